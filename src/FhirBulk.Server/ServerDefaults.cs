namespace FhirBulk.Server;

/// <summary>Default values of <see cref="BulkDataServerOptions"/>, in one place.</summary>
internal static class ServerDefaults
{
    public const int Patients = 100;
    public const int ResourcesPerFile = 10_000;
    public const int MaxConcurrentJobsPerClient = 5;
    public const int ManifestPageSize = 10;
    public static readonly TimeSpan AccessTokenLifetime = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan ExportRetention = TimeSpan.FromHours(1);

    /// <summary>SMART Backend Services: the assertion's exp may be at most five minutes in the future.</summary>
    public static readonly TimeSpan MaxAssertionLifetime = TimeSpan.FromMinutes(5);

    /// <summary>How long a client is asked to wait between status polls (whole seconds, as Retry-After writes it); also the longest a poll of a running job is held for it to finish.</summary>
    public static readonly TimeSpan StatusRetryAfter = TimeSpan.FromSeconds(1);

    // How long a stop lets responses in flight finish before it cuts them: a trickled download could otherwise keep a
    // stopping server (serve after SIGTERM) alive for the host's 30 s, or for as long as the file takes.
    public static readonly TimeSpan GracefulStop = TimeSpan.FromSeconds(2);

    public const string FhirJson = "application/fhir+json";
    public const string FhirNdjson = "application/fhir+ndjson";
}
