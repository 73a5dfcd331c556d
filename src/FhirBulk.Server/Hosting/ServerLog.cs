using Microsoft.Extensions.Logging;

namespace FhirBulk.Server.Hosting;

/// <summary>Source-generated log messages with fixed event ids. Tokens and keys are never logged.</summary>
internal static partial class ServerLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Bulk Data server listening on {BaseUri} (files also on {SecondOrigin}); data from {DataDirectory}")]
    public static partial void Started(ILogger logger, string baseUri, string secondOrigin, string dataDirectory);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Issued an access token to client {ClientId} for '{Scope}', valid {Lifetime}")]
    public static partial void TokenIssued(ILogger logger, string clientId, string scope, TimeSpan lifetime);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "Token request refused: {Error}: {Description}")]
    public static partial void TokenRefused(ILogger logger, string error, string description);

    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "Registered client {ClientId}")]
    public static partial void ClientRegistered(ILogger logger, string clientId);

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "Export {JobId} started for client {ClientId}: {RequestUrl}")]
    public static partial void ExportStarted(ILogger logger, string jobId, string clientId, string requestUrl);

    [LoggerMessage(EventId = 21, Level = LogLevel.Information, Message = "Export {JobId} completed: {Files} files, {Errors} error files")]
    public static partial void ExportCompleted(ILogger logger, string jobId, int files, int errors);

    [LoggerMessage(EventId = 22, Level = LogLevel.Error, Message = "Export {JobId} failed")]
    public static partial void ExportFailed(ILogger logger, string jobId, Exception exception);

    [LoggerMessage(EventId = 23, Level = LogLevel.Information, Message = "Export {JobId} cancelled")]
    public static partial void ExportCancelled(ILogger logger, string jobId);

    [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "Rejected {Method} {Path}: {Status} {Diagnostics}")]
    public static partial void Rejected(ILogger logger, string method, string path, int status, string diagnostics);

    [LoggerMessage(EventId = 40, Level = LogLevel.Information, Message = "Injected fault {Fault} on {Path}")]
    public static partial void FaultInjected(ILogger logger, string fault, string path);

    [LoggerMessage(EventId = 41, Level = LogLevel.Warning, Message = "A bearer token was sent to the second origin ({Path}): the client leaks tokens across origins")]
    public static partial void TokenLeaked(ILogger logger, string path);

    [LoggerMessage(EventId = 50, Level = LogLevel.Information, Message = "Data advanced to step {Steps}; its time is now {DataTime:O}")]
    public static partial void Advanced(ILogger logger, int steps, DateTimeOffset dataTime);
}
