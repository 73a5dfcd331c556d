using System.Diagnostics;
using FhirBulk.Diagnostics;
using Microsoft.Extensions.Logging;

namespace FhirBulk.Http;

/// <summary>
/// Logs every HTTP call at Debug: the method and URL before, the status and elapsed time after.
/// Query values are elided (a signed URL carries its secret there); headers and bodies are never logged.
/// </summary>
internal sealed class LoggingHandler(ILogger logger) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!logger.IsEnabled(LogLevel.Debug) || request.RequestUri is not { } uri)
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        var url = Redacted(uri);
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

    /// <summary>The URL without user info and with every query value replaced by <c>…</c>, e.g. <c>…/$export?_type=…</c>.</summary>
    internal static string Redacted(Uri uri)
    {
        if (!uri.IsAbsoluteUri)
        {
            return uri.OriginalString.Split('?')[0];
        }

        var path = uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);
        var query = uri.Query.TrimStart('?');
        if (query.Length == 0)
        {
            return path;
        }

        var names = query.Split('&', StringSplitOptions.RemoveEmptyEntries).Select(pair => pair.Split('=')[0] + "=…");
        return path + "?" + string.Join('&', names);
    }
}
