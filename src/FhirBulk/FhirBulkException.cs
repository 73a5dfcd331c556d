using System.Net;
using System.Text.Json;

namespace FhirBulk;

/// <summary>
/// The root of every failure FhirBulk reports. Thrown as itself, it is a failure of the FHIR server or the exchange with it,
/// and carries the HTTP status, the request URL, the server's OperationOutcome (when it sent one) and whether trying again
/// later could succeed. Subtypes are failures callers handle differently: <see cref="AuthenticationException"/> (fix the
/// credentials), <see cref="ExportFolderException"/> (the local export folder), <see cref="StorageException"/> (a storage location:
/// a folder, an S3 bucket, an Azure container), <see cref="Ndjson.MalformedNdjsonException"/>
/// and <see cref="InvalidInputException"/> (input data), <see cref="Views.ViewDefinitionException"/> and <see cref="Views.ViewEvaluationException"/> (views), and
/// <see cref="Sinks.TableSinkException"/> (table outputs).
/// </summary>
public class FhirBulkException : Exception
{
    /// <summary>Creates an exception with a message only.</summary>
    /// <param name="message">What went wrong.</param>
    public FhirBulkException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception wrapping another.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The cause.</param>
    public FhirBulkException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception describing a failed HTTP exchange.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="statusCode">The HTTP status the server answered, if any.</param>
    /// <param name="requestUri">The URL that was requested.</param>
    /// <param name="operationOutcome">The OperationOutcome the server sent, if any.</param>
    /// <param name="isTransient">Whether trying again later could succeed.</param>
    /// <param name="innerException">The cause, if any.</param>
    public FhirBulkException(string message, HttpStatusCode? statusCode, Uri? requestUri, JsonElement? operationOutcome, bool isTransient, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        RequestUri = requestUri;
        OperationOutcome = operationOutcome;
        IsTransient = isTransient;
    }

    /// <summary>The HTTP status of the failed response, or <see langword="null"/> when none arrived (a network failure).</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>The URL that was requested.</summary>
    public Uri? RequestUri { get; }

    /// <summary>The server's OperationOutcome resource, when the response carried one.</summary>
    public JsonElement? OperationOutcome { get; }

    /// <summary>Whether the same request could succeed later (429, 5xx, a transient OperationOutcome, a cut connection).</summary>
    public bool IsTransient { get; }
}

/// <summary>
/// The authorization server refused the client (an OAuth 2.0 error response), or the server refused the access token.
/// Callers handle it differently from other failures: the fix is in the credentials, not in trying again.
/// </summary>
public sealed class AuthenticationException : FhirBulkException
{
    /// <summary>Creates an authentication failure.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="error">The OAuth <c>error</c> code, e.g. <c>invalid_client</c>.</param>
    /// <param name="errorDescription">The OAuth <c>error_description</c>.</param>
    /// <param name="statusCode">The HTTP status.</param>
    /// <param name="requestUri">The URL that was requested.</param>
    /// <param name="operationOutcome">The OperationOutcome, when a FHIR endpoint refused the token.</param>
    public AuthenticationException(string message, string? error, string? errorDescription, HttpStatusCode? statusCode, Uri? requestUri, JsonElement? operationOutcome = null)
        : base(message, statusCode, requestUri, operationOutcome, isTransient: false)
    {
        Error = error;
        ErrorDescription = errorDescription;
    }

    /// <summary>The OAuth 2.0 <c>error</c> code (RFC 6749 §5.2), when the token endpoint sent one.</summary>
    public string? Error { get; }

    /// <summary>The OAuth 2.0 <c>error_description</c>, when the token endpoint sent one.</summary>
    public string? ErrorDescription { get; }

    /// <summary>
    /// True when a FHIR endpoint refused a request that carried no token because the client has no credentials
    /// (<see cref="Export.BulkDataClientOptions.Credentials"/> not set): the server is not open, and the fix is to give some.
    /// </summary>
    public bool WithoutCredentials { get; init; }
}

/// <summary>
/// A status endpoint went on asking the client to wait (429, or a transient OperationOutcome) for longer than
/// <see cref="Export.BulkDataClientOptions.MaxPollWait"/> allows. Callers handle it differently: the export is fine and
/// can be resumed later, or with a longer budget.
/// </summary>
public sealed class WaitBudgetExceededException : FhirBulkException
{
    /// <summary>Creates the failure.</summary>
    /// <param name="answer">The last answer in words, e.g. <c>429 Too Many Requests</c>.</param>
    /// <param name="waited">How long the client waited.</param>
    /// <param name="budget">The budget it had.</param>
    /// <param name="statusCode">The HTTP status of the last answer.</param>
    /// <param name="requestUri">The URL that answered.</param>
    /// <param name="operationOutcome">The OperationOutcome of the last answer, if any.</param>
    public WaitBudgetExceededException(string answer, TimeSpan waited, TimeSpan budget, System.Net.HttpStatusCode statusCode, Uri requestUri, System.Text.Json.JsonElement? operationOutcome)
        : base(Describe(requestUri, answer, waited, $"MaxPollWait is {Export.ServerWait.Seconds(budget)}"), statusCode, requestUri, operationOutcome, isTransient: true)
    {
        Answer = answer;
        Waited = waited;
        Budget = budget;
    }

    /// <summary>The server's last answer in words.</summary>
    public string Answer { get; }

    /// <summary>How long the client waited before it gave up.</summary>
    public TimeSpan Waited { get; }

    /// <summary>The wait budget (<see cref="Export.BulkDataClientOptions.MaxPollWait"/>).</summary>
    public TimeSpan Budget { get; }

    /// <summary>The message with the budget named as the caller's user knows it (a command-line option, say).</summary>
    /// <param name="budgetName">E.g. <c>--max-wait 30s</c>.</param>
    /// <returns>E.g. <c>URL answered 429 Too Many Requests; gave up after 30 s of waiting (--max-wait 30s)</c>.</returns>
    public string Describe(string budgetName) => Describe(RequestUri!, Answer, Waited, budgetName);

    private static string Describe(Uri url, string answer, TimeSpan waited, string budgetName) =>
        $"{url} answered {answer}; gave up after {Export.ServerWait.Seconds(waited)} of waiting ({budgetName})";
}
