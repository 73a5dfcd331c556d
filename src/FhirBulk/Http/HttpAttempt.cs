using System.Net;
using System.Text.Json;

namespace FhirBulk.Http;

/// <summary>
/// What one attempt of a request got back. An error response's body is read here, once, because both the retry
/// decision (a transient OperationOutcome) and the exception that reports a final failure need it.
/// </summary>
/// <remarks>Disposable so that Polly disposes the response of every attempt it retries.</remarks>
internal sealed class HttpAttempt : IDisposable
{
    private HttpAttempt(HttpResponseMessage response, Uri url, string? errorBody, JsonElement? outcome, bool isTransient)
    {
        Response = response;
        Url = url;
        ErrorBody = errorBody;
        Outcome = outcome;
        IsTransient = isTransient;
    }

    public HttpResponseMessage Response { get; }

    /// <summary>The URL that answered, after redirects.</summary>
    public Uri Url { get; }

    /// <summary>True for a 4xx or 5xx, except 416: that one answers a Range request and the downloader decides what it means.</summary>
    public bool IsError => (int)Response.StatusCode >= 400 && Response.StatusCode != HttpStatusCode.RequestedRangeNotSatisfiable;

    public string? ErrorBody { get; }

    public JsonElement? Outcome { get; }

    /// <summary>Whether the same request could succeed later: 429, a 5xx, or an OperationOutcome whose issues are all transient.</summary>
    public bool IsTransient { get; }

    /// <summary>Whether the server asks the client to come back later (429, or an OperationOutcome whose issues are all transient) rather than failing.</summary>
    public bool AsksToWait => IsError && (Response.StatusCode == HttpStatusCode.TooManyRequests || OperationOutcomes.IsTransient(Outcome));

    /// <summary>The answer in words: <c>429 Too Many Requests</c>, with the OperationOutcome's summary when there is one.</summary>
    public string Answer
    {
        get
        {
            var status = $"{(int)Response.StatusCode} {Response.ReasonPhrase}";
            var outcome = OperationOutcomes.Summarize(Outcome);
            return outcome.Length == 0 ? status : $"{status} ({outcome})";
        }
    }

    public static async Task<HttpAttempt> ReadAsync(HttpResponseMessage response, Uri url, CancellationToken cancellationToken)
    {
        var status = response.StatusCode;
        if ((int)status < 400 || status == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            return new HttpAttempt(response, url, null, null, isTransient: false);
        }

        var body = await ReadErrorBodyAsync(response, cancellationToken).ConfigureAwait(false);
        var outcome = OperationOutcomes.TryParse(body);
        return new HttpAttempt(response, url, body, outcome, IsTransientStatus(status, outcome));
    }

    public void Dispose() => Response.Dispose();

    private static bool IsTransientStatus(HttpStatusCode status, JsonElement? outcome)
    {
        if (OperationOutcomes.IsTransient(outcome))
        {
            return true;
        }

        // A 5xx that carries a non-transient OperationOutcome is the server's considered answer (e.g. "export failed").
        return status == HttpStatusCode.TooManyRequests || ((int)status >= 500 && outcome is null) || status is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;
    }

    private static async Task<string?> ReadErrorBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException)
        {
            return null;
        }
    }
}
