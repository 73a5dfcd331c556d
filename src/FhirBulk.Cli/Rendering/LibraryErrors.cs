using System.Text.Json;
using DuckDB.NET.Data;
using FhirBulk.Http;
using FhirBulk.Ndjson;
using FhirBulk.Sinks;
using FhirBulk.Views;

namespace FhirBulk.Cli.Rendering;

/// <summary>Maps the FhirBulk library's exceptions to exit codes and one-line messages.</summary>
internal static class LibraryErrors
{
    public static (int Code, string Message)? Classify(Exception exception) => exception switch
    {
        // The library names its option; the user set (or can set) the command line's.
        WaitBudgetExceededException e => (ExitCodes.ServerFailed, e.Describe($"--max-wait {Commands.WaitOptions.Format(e.Budget)}")),
        AuthenticationException { WithoutCredentials: true } e => (ExitCodes.AuthenticationFailed,
            $"{WithOutcome(WithOAuthError(e), e)}; the server needs credentials: give --client-id and --key (see 'fhir-bulk keygen')"),
        AuthenticationException e => (ExitCodes.AuthenticationFailed, WithOutcome(WithOAuthError(e), e)),
        ExportFolderException e => (ExitCodes.InvalidInput, e.Message),
        // Not applied, and the next run exports the same changes again: the work finished, but not everything came through.
        FhirBulk.Sync.IncompleteIncrementException e => (ExitCodes.PartialSuccess, e.Message),
        // An input or output location that cannot be read or written (no bucket, no permission) is the user's to fix;
        // a store that failed or timed out is like a server that did.
        StorageException { IsTransient: true } e => (ExitCodes.ServerFailed, e.Message),
        StorageException e => (ExitCodes.InvalidInput, e.Message),
        InvalidInputException e => (ExitCodes.InvalidInput, e.Message),
        MalformedNdjsonException e => (ExitCodes.InvalidInput, e.Message),
        ViewEvaluationException e => (ExitCodes.InvalidInput, e.Message),
        // A view loaded from a file: the message starts with the file, and that says enough.
        ViewDefinitionException { FileName: not null } e => (ExitCodes.InvalidInput, e.Message),
        ViewDefinitionException e => (ExitCodes.InvalidInput, $"invalid ViewDefinition: {e.Message}"),
        TableSinkException e => (ExitCodes.InvalidInput, e.Message),
        FhirBulkException e => (ExitCodes.ServerFailed, WithOutcome(e.Message, e)),
        DuckDBException e => (ExitCodes.InvalidInput, $"DuckDB: {e.Message}"),
        _ => null,
    };

    /// <summary>Adds the OAuth error and its description, unless the message already states them (the library's own do).</summary>
    private static string WithOAuthError(AuthenticationException exception)
    {
        if (exception.Error is not { } error || exception.Message.Contains(error, StringComparison.Ordinal))
        {
            return exception.Message;
        }

        return $"{exception.Message} ({error}{(exception.ErrorDescription is null ? "" : ": " + exception.ErrorDescription)})";
    }

    /// <summary>Adds the OperationOutcome's diagnostics, when the exception carries one and its message does not already.</summary>
    private static string WithOutcome(string message, FhirBulkException exception)
    {
        // Only an error status is worth naming: a malformed success (a token response without a field) is not an "HTTP 200" failure.
        var prefix = exception.StatusCode is { } status && (int)status >= 400 && !message.Contains(((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            ? $"HTTP {(int)status}: " : "";
        if (exception.OperationOutcome is not { ValueKind: JsonValueKind.Object } outcome
            || !outcome.TryGetProperty("issue", out var issues) || issues.ValueKind != JsonValueKind.Array)
        {
            return prefix + message;
        }

        var details = issues.EnumerateArray()
            .Select(i => i.TryGetProperty("diagnostics", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null)
            .Where(d => d is not null && !message.Contains(d, StringComparison.Ordinal))
            .ToList();
        return details.Count == 0 ? prefix + message : $"{prefix}{message} (OperationOutcome: {string.Join("; ", details)})";
    }
}
