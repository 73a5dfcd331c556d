using Microsoft.Extensions.Logging;

namespace FhirBulk.Sync;

/// <summary>The sync's log messages, with fixed event ids (5000–5099).</summary>
internal static partial class SyncLog
{
    [LoggerMessage(EventId = 5000, Level = LogLevel.Information, Message = "Increment {Increment} of {Directory}: export since {Since}")]
    public static partial void Exporting(ILogger logger, int increment, string directory, string since);

    // Information, not a warning: the caller announces the rebuild once, from SyncResult.DescribeRebuild (the CLI's note).
    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Rebuilding the tables from {Increments} increment(s): {Cause}")]
    public static partial void Rebuilding(ILogger logger, int increments, string cause);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Increment {Increment} applied: {Rows} row(s) in {Tables} table(s)")]
    public static partial void Applied(ILogger logger, int increment, long rows, int tables);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Information, Message = "Increment {Increment} was exported but not yet recorded as applied: applying it first")]
    public static partial void ApplyingPending(ILogger logger, int increment);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "Could not remove {Folder}, which an applied increment made unneeded ({Reason}); the next sync tries again")]
    public static partial void RefusedNotRemoved(ILogger logger, string folder, string reason);
}
