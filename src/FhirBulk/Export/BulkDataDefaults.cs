namespace FhirBulk.Export;

/// <summary>The defaults of <see cref="BulkDataClientOptions"/>, in one place.</summary>
public static class BulkDataDefaults
{
    /// <summary>Files downloaded at once.</summary>
    public const int MaxParallelDownloads = 4;

    /// <summary>Attempts after the first for a failing request (transient errors only).</summary>
    public const int MaxRetries = 6;

    /// <summary>Re-exports started when files of a finished export have expired (410/404) before they were fetched.</summary>
    public const int MaxReExports = 2;

    /// <summary>First backoff wait when a server gives no Retry-After.</summary>
    public static readonly TimeSpan InitialRetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait between retries or status polls, whatever Retry-After says.</summary>
    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMinutes(2);

    /// <summary>Shortest wait between status polls, whatever Retry-After says (no busy loop on a past HTTP-date).</summary>
    public static readonly TimeSpan MinPollInterval = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait between status polls when the server gives no Retry-After (the backoff grows up to it).</summary>
    public static readonly TimeSpan MaxPollInterval = TimeSpan.FromMinutes(1);

    /// <summary>How long a status endpoint may keep answering "wait" (429, a transient OperationOutcome) in a row before the client gives up.</summary>
    public static readonly TimeSpan MaxPollWait = TimeSpan.FromHours(1);

    /// <summary>How long the client goes on without any answer or byte from the server before it gives up.</summary>
    public static readonly TimeSpan StallTimeout = TimeSpan.FromMinutes(2);

    /// <summary>A token is renewed this long before it expires.</summary>
    public static readonly TimeSpan TokenRenewalMargin = TimeSpan.FromSeconds(30);

    /// <summary>Time allowed for a response's headers to arrive.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(100);
}
