using System.Diagnostics;
using FhirBulk.Diagnostics;
using Microsoft.Extensions.Logging;

namespace FhirBulk.Http;

/// <summary>
/// Logs every HTTP call at Debug: the method and URL before, the status and elapsed time after.
/// URLs are redacted (<see cref="UrlRedaction"/>: a signed URL carries its secret in the query); headers and bodies are never logged.
/// </summary>
internal sealed class LoggingHandler(ILogger logger) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!logger.IsEnabled(LogLevel.Debug) || request.RequestUri is not { } uri)
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        var url = UrlRedaction.Redacted(uri);
        Log.HttpRequest(logger, request.Method.Method, url);
        var clock = Stopwatch.StartNew();
        try
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            Log.HttpResponse(logger, request.Method.Method, url, (int)response.StatusCode, clock.ElapsedMilliseconds);
            return response;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or OperationCanceledException)
        {
            Log.HttpNoResponse(logger, request.Method.Method, url, clock.ElapsedMilliseconds, exception.GetType().Name);
            throw;
        }
    }
}
