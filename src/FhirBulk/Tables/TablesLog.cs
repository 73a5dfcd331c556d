using Microsoft.Extensions.Logging;

namespace FhirBulk.Tables;

/// <summary>The pipeline's log messages, with fixed event ids (4000–4099).</summary>
internal static partial class TablesLog
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Information, Message = "Running {ViewCount} view(s) over {InputCount} input(s) into {Sink}")]
    public static partial void RunStarting(ILogger logger, int viewCount, int inputCount, string sink);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Wrote {Rows} row(s) from {Resources} resource(s) in {Elapsed}")]
    public static partial void RunCompleted(ILogger logger, long rows, long resources, TimeSpan elapsed);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Skipped {Count} malformed line(s); first: {First}")]
    public static partial void MalformedLinesSkipped(ILogger logger, long count, string first);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "A view failed on {Count} resource(s); first: {First}")]
    public static partial void ViewErrorsSkipped(ILogger logger, long count, string first);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "View {View}, column {Column} ({Type}): {Count} value(s) did not fit and were written as null; first: {First}")]
    public static partial void ValuesMisfit(ILogger logger, string view, string column, string type, long count, string first);
}
