using System.Text.Json.Serialization;

namespace FhirBulk.Server;

/// <summary>
/// Faults the server injects so clients can be tested against a misbehaving peer. Every rate is a
/// probability in [0, 1]; decisions are drawn from <see cref="Seed"/> and a per-endpoint call
/// counter, so the same sequence of requests meets the same faults on every run.
/// </summary>
/// <remarks>
/// The same object can be sent in the URL as a base64url JSON segment
/// (<c>http://127.0.0.1:PORT/&lt;b64json&gt;/fhir</c>), like the public SMART bulk-data server; the
/// JSON property names are the <see cref="JsonPropertyNameAttribute"/> values below.
/// </remarks>
public sealed class FaultOptions
{
    /// <summary>Seed for fault decisions.</summary>
    /// <value>The default value is 0.</value>
    [JsonPropertyName("seed")]
    public int Seed { get; set; }

    /// <summary>Rate of transient 503 responses (with an OperationOutcome and Retry-After) to kick-off requests.</summary>
    /// <value>The default value is 0.</value>
    [JsonPropertyName("kickoffError")]
    public double KickoffErrorRate { get; set; }

    /// <summary>Rate of transient 503 responses to status requests.</summary>
    /// <value>The default value is 0.</value>
    [JsonPropertyName("statusError")]
    public double StatusErrorRate { get; set; }

    /// <summary>Rate of transient 503 responses to file downloads.</summary>
    /// <value>The default value is 0.</value>
    [JsonPropertyName("fileError")]
    public double FileErrorRate { get; set; }

    /// <summary>Rate of 429 responses to status requests.</summary>
    /// <value>The default value is 0.</value>
    [JsonPropertyName("status429")]
    public double StatusTooManyRequestsRate { get; set; }

    /// <summary>How the Retry-After header of an injected 429 is written.</summary>
    /// <value>The default value is <see cref="RetryAfterStyle.Seconds"/>.</value>
    [JsonPropertyName("retryAfterStyle")]
    [JsonConverter(typeof(JsonStringEnumConverter<RetryAfterStyle>))]
    public RetryAfterStyle RetryAfterStyle { get; set; } = RetryAfterStyle.Seconds;

    /// <summary>Seconds announced by injected Retry-After headers (429 and 503).</summary>
    /// <value>The default value is 1.</value>
    [JsonPropertyName("retryAfter")]
    public int RetryAfterSeconds { get; set; } = 1;

    /// <summary>Rate of status responses that are a 500 with a transient OperationOutcome (issue code <c>transient</c>).</summary>
    /// <value>The default value is 0.</value>
    [JsonPropertyName("statusTransientOutcome")]
    public double StatusTransientOutcomeRate { get; set; }

    /// <summary>Rate of file downloads whose connection is cut after <see cref="CutFileAfterBytes"/> bytes.</summary>
    /// <value>The default value is 0.</value>
    [JsonPropertyName("cutFile")]
    public double CutFileRate { get; set; }

    /// <summary>Bytes of a file sent before an injected connection cut.</summary>
    /// <value>The default value is 1024.</value>
    [JsonPropertyName("cutAfterBytes")]
    public int CutFileAfterBytes { get; set; } = 1024;

    /// <summary>
    /// Rate of gzip downloads (the client sent <c>Accept-Encoding: gzip</c>) whose body ends at a deflate sync-flush point
    /// after the whole lines of the file's first half, without the final block and the CRC-32/ISIZE trailer, in an
    /// otherwise complete response: a <c>.gz</c> truncated at a flush boundary, which .NET's GZipStream (and many other
    /// readers) decode to the shorter content without an error. Other downloads are unaffected.
    /// </summary>
    /// <value>The default value is 0.</value>
    [JsonPropertyName("cutGzip")]
    public double CutGzipRate { get; set; }

    /// <summary>
    /// Rate of files served with a UTF-8 byte-order mark (EF BB BF) before the first resource. The mark is part of the
    /// file: Content-Length, the ETag and byte ranges count it, and a given file has it on every download or on none.
    /// </summary>
    /// <value>The default value is 0.</value>
    [JsonPropertyName("bomFile")]
    public double BomFileRate { get; set; }

    /// <summary>When positive, files are sent no faster than this many bytes per second.</summary>
    /// <value>The default value is 0 (full speed).</value>
    [JsonPropertyName("trickle")]
    public int TrickleBytesPerSecond { get; set; }

    /// <summary>When set, access tokens live this many seconds instead of <see cref="BulkDataServerOptions.AccessTokenLifetime"/>.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    [JsonPropertyName("tokenLifetime")]
    public int? AccessTokenLifetimeSeconds { get; set; }

    /// <summary>Rate of output files that fail during the export and are reported in the manifest's <c>error</c> list instead.</summary>
    /// <value>The default value is 0.</value>
    [JsonPropertyName("failedFile")]
    public double FailedFileRate { get; set; }

    /// <summary>
    /// Rate of output files whose manifest <c>count</c> is one more than the resources in the file (the file is unchanged),
    /// to test that clients check what they received against the manifest.
    /// </summary>
    /// <value>The default value is 0.</value>
    [JsonPropertyName("miscount")]
    public double MiscountRate { get; set; }

    /// <summary>
    /// Rate of exports whose complete manifest lists one more <c>error</c> file: OperationOutcome resources whose issues
    /// all have severity <c>information</c> (code <c>informational</c>), as the Bulk Data IG allows in that list. The
    /// output files are unchanged and complete, so clients can be tested for not treating every error entry as a failure.
    /// Decided once per job, so every poll lists the same files.
    /// </summary>
    /// <value>The default value is 0.</value>
    [JsonPropertyName("informationFile")]
    public double InformationFileRate { get; set; }

    /// <summary>
    /// Rate of exports whose complete manifest lists one more <c>error</c> file: OperationOutcome resources whose issues
    /// all have severity <c>warning</c> (code <c>processing</c>). The output files are unchanged and complete. Decided once
    /// per job, so every poll lists the same files.
    /// </summary>
    /// <value>The default value is 0.</value>
    [JsonPropertyName("warningFile")]
    public double WarningFileRate { get; set; }

    /// <summary>Rate of file downloads answered with 410 Gone, as if the file had expired.</summary>
    /// <value>The default value is 0.</value>
    [JsonPropertyName("expiredFile")]
    public double ExpiredFileRate { get; set; }

    /// <summary>Rate of file downloads answered with a 307 redirect to the second origin (a different port).</summary>
    /// <value>The default value is 0.</value>
    [JsonPropertyName("redirectFile")]
    public double RedirectFileRate { get; set; }

    /// <summary>Minimum time an export stays in progress (status 202) after kick-off.</summary>
    /// <value>The default value is 0 seconds.</value>
    [JsonPropertyName("exportSeconds")]
    public double ExportDurationSeconds { get; set; }

    /// <summary>When set, export files of jobs started under these options are split at this many resources (the SMART server's <c>page</c>).</summary>
    /// <value>The default value is <see langword="null"/> (the server's <see cref="BulkDataServerOptions.ResourcesPerFile"/>).</value>
    [JsonPropertyName("page")]
    public int? ResourcesPerFile { get; set; }

    /// <summary>
    /// How the manifest's <c>transactionTime</c> is written, to test a client that keeps exports current with
    /// <c>_since</c>: it must refuse a time it cannot use rather than guess one.
    /// </summary>
    /// <value>The default value is <see cref="TransactionTimeStyle.Actual"/>.</value>
    [JsonPropertyName("transactionTimeStyle")]
    [JsonConverter(typeof(JsonStringEnumConverter<TransactionTimeStyle>))]
    public TransactionTimeStyle TransactionTimeStyle { get; set; } = TransactionTimeStyle.Actual;

    /// <summary>Checks the values wherever they came from: the server's options or a URL segment.</summary>
    internal bool TryValidate(out string error)
    {
        error = string.Empty;
        double[] rates = [KickoffErrorRate, StatusErrorRate, FileErrorRate, StatusTooManyRequestsRate,
            StatusTransientOutcomeRate, CutFileRate, CutGzipRate, BomFileRate, FailedFileRate, MiscountRate,
            InformationFileRate, WarningFileRate, ExpiredFileRate, RedirectFileRate];
        if (rates.Any(r => r is < 0 or > 1 || double.IsNaN(r)))
        {
            error = "Fault rates must be between 0 and 1.";
        }
        else if (CutFileAfterBytes < 0 || TrickleBytesPerSecond < 0 || RetryAfterSeconds < 0 || ExportDurationSeconds is < 0 or double.NaN)
        {
            error = "Fault byte counts, speeds and durations must not be negative.";
        }
        else if (ResourcesPerFile is <= 0)
        {
            error = "page (resources per file) must be positive.";
        }
        else if (AccessTokenLifetimeSeconds is <= 0)
        {
            error = "tokenLifetime must be positive.";
        }

        return error.Length == 0;
    }
}

/// <summary>How an injected Retry-After header is written.</summary>
public enum RetryAfterStyle
{
    /// <summary>Delta seconds, e.g. <c>Retry-After: 1</c>.</summary>
    Seconds,

    /// <summary>An HTTP-date, e.g. <c>Retry-After: Sat, 28 Nov 2026 17:00:01 GMT</c>.</summary>
    HttpDate,

    /// <summary>An absurd value (a year of seconds), to test that clients cap their wait.</summary>
    Absurd,
}

/// <summary>How the manifest's <c>transactionTime</c> is written.</summary>
public enum TransactionTimeStyle
{
    /// <summary>The export's real time, a FHIR instant with milliseconds in UTC.</summary>
    Actual,

    /// <summary>The time without its zone (<c>2026-01-08T00:00:00</c>): a dateTime but not a FHIR instant, so no client can know which instant it names.</summary>
    Malformed,

    /// <summary>A year before the real time: earlier than any export a client took before, as a server restored from a backup might answer.</summary>
    Earlier,
}
