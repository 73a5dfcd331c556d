using System.Net;

namespace FhirBulk.Tests.Support;

/// <summary>An HttpMessageHandler that answers from a script, for protocol edge cases a real server cannot be made to produce.</summary>
public sealed class StubHandler(Func<HttpRequestMessage, int, HttpResponseMessage> respond) : HttpMessageHandler
{
    public List<HttpRequestMessage> Requests { get; } = [];

    public List<string?> Authorizations { get; } = [];

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Requests.Add(request);
        Authorizations.Add(request.Headers.Authorization?.ToString());
        var response = respond(request, Requests.Count);
        response.RequestMessage = request;
        return Task.FromResult(response);
    }

    public static HttpResponseMessage Json(HttpStatusCode status, string json) =>
        new(status) { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };

    /// <summary>A kick-off's 202 Accepted pointing at <paramref name="statusUrl"/>.</summary>
    public static HttpResponseMessage KickoffAccepted(string statusUrl = "https://x.org/status/1")
    {
        var response = new HttpResponseMessage(HttpStatusCode.Accepted) { Content = new StringContent(string.Empty) };
        response.Content.Headers.ContentLocation = new Uri(statusUrl);
        return response;
    }

    public static string Outcome(string code, string text = "x") =>
        $$"""{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"{{code}}","diagnostics":"{{text}}"}]}""";
}
