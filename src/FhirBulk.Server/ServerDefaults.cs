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

    /// <summary>Seconds a client is asked to wait between status polls.</summary>
    public const int StatusRetryAfterSeconds = 1;

    public const string FhirJson = "application/fhir+json";
    public const string FhirNdjson = "application/fhir+ndjson";
}
