using FhirBulk.Auth;
using Microsoft.Extensions.Logging;

namespace FhirBulk.Export;

/// <summary>What an export to a folder does with files in it that it did not write.</summary>
public enum ForeignFilePolicy
{
    /// <summary>Stop before kick-off with an <see cref="ExportFolderException"/> naming them (the default).</summary>
    Refuse,

    /// <summary>Move them under <c>history/&lt;timestamp&gt;/</c> first, as a previous export in the folder is moved.</summary>
    MoveToHistory,
}

/// <summary>Options of <see cref="BulkDataClient"/>; copied and validated once when the client is created, so later changes to this object do not reach the client.</summary>
/// <remarks>
/// There is deliberately no switch to turn TLS certificate verification off: a private CA is trusted with
/// <see cref="CaBundlePath"/> instead.
/// </remarks>
public sealed class BulkDataClientOptions
{
    /// <summary>The HTTP client to send requests with. It should not follow redirects itself so that the client can
    /// keep the bearer token off other origins (if it does, .NET drops the Authorization header on every redirect).</summary>
    /// <value>The default value is <see langword="null"/>: the client creates one that verifies TLS, trusts <see cref="CaBundlePath"/> and follows no redirect itself.</value>
    public HttpClient? HttpClient { get; set; }

    /// <summary>Where to log.</summary>
    /// <value>The default value is <see langword="null"/> (no logging).</value>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>The clock every wait (polling, backoff, token expiry) uses.</summary>
    /// <value>The default value is <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>SMART Backend Services credentials.</summary>
    /// <value>The default value is <see langword="null"/>: an open server, no token is requested.</value>
    public BulkDataCredentials? Credentials { get; set; }

    /// <summary>A PEM file of CA certificates trusted in addition to the system store (for a private CA).</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? CaBundlePath { get; set; }

    /// <summary>Files downloaded in parallel.</summary>
    /// <value>The default value is 4.</value>
    public int MaxParallelDownloads { get; set; } = BulkDataDefaults.MaxParallelDownloads;

    /// <summary>Retries of a request that failed transiently (429, 5xx, transient OperationOutcome, network error).</summary>
    /// <value>The default value is 6.</value>
    public int MaxRetries { get; set; } = BulkDataDefaults.MaxRetries;

    /// <summary>First backoff wait when the server gives no Retry-After; doubles each attempt, with jitter.</summary>
    /// <value>The default value is 1 second.</value>
    public TimeSpan InitialRetryDelay { get; set; } = BulkDataDefaults.InitialRetryDelay;

    /// <summary>Longest wait between attempts; a larger Retry-After is clamped to it (or to <see cref="MaxPollWait"/>, when that is shorter).</summary>
    /// <value>The default value is 2 minutes.</value>
    public TimeSpan MaxRetryDelay { get; set; } = BulkDataDefaults.MaxRetryDelay;

    /// <summary>Shortest wait between status polls.</summary>
    /// <value>The default value is 1 second.</value>
    public TimeSpan MinPollInterval { get; set; } = BulkDataDefaults.MinPollInterval;

    /// <summary>Longest wait between status polls when the server gives no Retry-After.</summary>
    /// <value>The default value is 1 minute.</value>
    public TimeSpan MaxPollInterval { get; set; } = BulkDataDefaults.MaxPollInterval;

    /// <summary>
    /// What a download does with a line that is not a resource of the file's type:
    /// <see cref="ErrorPolicy.Skip"/> counts and reports it, keeps the file and makes the export partial; <see cref="ErrorPolicy.Fail"/> fails the file.
    /// </summary>
    /// <value>The default value is <see cref="ErrorPolicy.Skip"/>.</value>
    public ErrorPolicy MalformedLines { get; set; } = ErrorPolicy.Skip;

    /// <summary>Whether downloads ask the server for gzip; see <see cref="Export.TransferCompression"/> for when each pays.</summary>
    /// <value>The default value is <see cref="TransferCompression.Auto"/>: gzip from any host but a loopback one.</value>
    public TransferCompression TransferCompression { get; set; } = TransferCompression.Auto;

    /// <summary>
    /// Whether files are stored gzip-compressed (<c>&lt;Type&gt;.&lt;NNN&gt;.ndjson.gz</c>); <see cref="ExportFileState.Bytes"/> and
    /// <see cref="ExportFileState.Sha256"/> describe the uncompressed NDJSON, <see cref="ExportFileState.StoredSha256"/> the file on disk.
    /// </summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool CompressOutput { get; set; }

    /// <summary>
    /// What a whole export to a folder does with files there that its state does not describe and that it would write, read
    /// or list (<c>&lt;Type&gt;.&lt;NNN&gt;.ndjson[.gz]</c> and other NDJSON files, <c>manifest.json</c>, <c>log.ndjson</c>,
    /// <c>error/</c>, <c>deleted/</c>): a stale file kept beside the new ones would be read as if the server had sent it.
    /// </summary>
    /// <value>The default value is <see cref="ForeignFilePolicy.Refuse"/>.</value>
    public ForeignFilePolicy ForeignFiles { get; set; } = ForeignFilePolicy.Refuse;

    /// <summary>Whether a completed export's job is deleted on the server once every file is on disk.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool DeleteJobAfterDownload { get; set; } = true;

    /// <summary>
    /// Re-exports one run (one export, or one resume) starts when files expired before they could be fetched, or when a
    /// resume repairs files of a finished export whose job is gone; each later resume may start as many again.
    /// </summary>
    /// <value>The default value is 2.</value>
    public int MaxReExports { get; set; } = BulkDataDefaults.MaxReExports;

    /// <summary>Time allowed for the headers of a response to arrive (bodies stream without a limit).</summary>
    /// <value>The default value is 100 seconds.</value>
    public TimeSpan RequestTimeout { get; set; } = BulkDataDefaults.RequestTimeout;

    /// <summary>
    /// How long a status poll keeps honouring answers that ask the client to wait (429 Too Many Requests, or an
    /// OperationOutcome whose issues are all transient) in a row; a 202 in between starts the budget again. Such answers
    /// are not counted against <see cref="MaxRetries"/>: the server is asking for patience, not failing.
    /// </summary>
    /// <value>The default value is 1 hour.</value>
    public TimeSpan MaxPollWait { get; set; } = BulkDataDefaults.MaxPollWait;

    /// <summary>
    /// How long the client goes on without any progress (no response and no downloaded byte) before it gives up: a server
    /// that stops answering ends the export within about this time (plus one <see cref="RequestTimeout"/> at most), with
    /// what completed kept for a resume.
    /// </summary>
    /// <value>The default value is 2 minutes.</value>
    public TimeSpan StallTimeout { get; set; } = BulkDataDefaults.StallTimeout;

    /// <summary>Called before every wait caused by a server's answer (a retry, a Retry-After, the pause between status polls), possibly from several threads at once.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public Action<ServerWait>? OnWait { get; set; }

    internal Func<double> Random { get; set; } = System.Random.Shared.NextDouble;

    /// <summary>A copy to change for one export (its recorded output options) without touching the client's.</summary>
    internal BulkDataClientOptions Clone() => (BulkDataClientOptions)MemberwiseClone();

    /// <summary>The longest any single wait may be: <see cref="MaxRetryDelay"/>, or <see cref="MaxPollWait"/> when that is shorter (a user who allows 30 s of waiting means no wait of 2 minutes).</summary>
    internal TimeSpan LongestWait => MaxPollWait < MaxRetryDelay ? MaxPollWait : MaxRetryDelay;

    /// <summary>A copy, validated: the client keeps its own so later changes by the caller do not reach it.</summary>
    /// <remarks>The copy is validated rather than this object, so a change made while the client is created cannot slip past the check.</remarks>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    /// <exception cref="ArgumentNullException"><see cref="TimeProvider"/> is <see langword="null"/>.</exception>
    /// <exception cref="FileNotFoundException"><see cref="CaBundlePath"/> names no file.</exception>
    internal BulkDataClientOptions Validated()
    {
        var copy = Clone();
        copy.Validate();
        return copy;
    }

    private void Validate()
    {
        ArgumentNullException.ThrowIfNull(TimeProvider);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxParallelDownloads, 1, nameof(MaxParallelDownloads));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxRetries, nameof(MaxRetries));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxReExports, nameof(MaxReExports));
        ArgumentOutOfRangeException.ThrowIfLessThan(InitialRetryDelay, TimeSpan.Zero, nameof(InitialRetryDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRetryDelay, InitialRetryDelay, nameof(MaxRetryDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(MinPollInterval, TimeSpan.Zero, nameof(MinPollInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPollInterval, MinPollInterval, nameof(MaxPollInterval));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RequestTimeout, TimeSpan.Zero, nameof(RequestTimeout));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPollWait, TimeSpan.Zero, nameof(MaxPollWait));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(StallTimeout, TimeSpan.Zero, nameof(StallTimeout));
        if (CaBundlePath is not null && !File.Exists(CaBundlePath))
        {
            throw new FileNotFoundException($"CA bundle '{CaBundlePath}' does not exist.", CaBundlePath);
        }
    }
}
