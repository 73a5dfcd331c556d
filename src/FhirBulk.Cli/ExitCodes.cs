namespace FhirBulk.Cli;

/// <summary>
/// The process exit codes of <c>fhir-bulk</c>, documented in docs/cli.md. Scripts branch on them,
/// so a value never changes meaning once released.
/// </summary>
internal static class ExitCodes
{
    /// <summary>Everything worked.</summary>
    public const int Success = 0;

    /// <summary>An unexpected failure inside fhir-bulk (a bug): the message says what and where.</summary>
    public const int InternalError = 1;

    /// <summary>The command line was wrong: unknown option, missing value, conflicting options.</summary>
    public const int Usage = 2;

    /// <summary>A local input was missing or invalid: a key file, a view, a query, an NDJSON folder, a profile.</summary>
    public const int InvalidInput = 3;

    /// <summary>The authorization server refused the client (OAuth error, bad key, unknown client).</summary>
    public const int AuthenticationFailed = 4;

    /// <summary>The FHIR server could not be reached, failed, or rejected the request (HTTP status and OperationOutcome are shown).</summary>
    public const int ServerFailed = 5;

    /// <summary>The work finished but not everything came through: error files in the manifest, invalid or skipped lines.</summary>
    public const int PartialSuccess = 6;

    /// <summary>view-test ran and at least one test failed.</summary>
    public const int TestsFailed = 7;

    /// <summary><c>view --merge</c>: the Parquet lake lacks a shard of its run, or holds parts no shard's run lists.</summary>
    public const int LakeIncomplete = 8;

    /// <summary>Stopped by Ctrl-C / SIGTERM; an export can be carried on with <c>export --resume DIR</c>.</summary>
    public const int Cancelled = 130;
}
