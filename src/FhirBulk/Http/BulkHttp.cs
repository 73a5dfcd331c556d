using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using FhirBulk.Auth;
using FhirBulk.Diagnostics;
using FhirBulk.Export;
using Microsoft.Extensions.Logging;

namespace FhirBulk.Http;

/// <summary>
/// Sends one logical request: adds the bearer token where allowed, follows redirects itself (dropping the token on a
/// change of origin), renews the token once on a 401, and retries transient failures honouring Retry-After.
/// Returns only successful responses; every failure becomes a <see cref="FhirBulkException"/>.
/// </summary>
internal sealed class BulkHttp
{
    private const int MaxRedirects = 5;

    private readonly HttpClient _http;
    private readonly BulkDataClientOptions _options;
    private readonly ILogger _logger;
    private readonly Backoff _backoff;

    public BulkHttp(HttpClient http, BulkDataClientOptions options, ILogger logger)
    {
        _http = http;
        _options = options;
        _logger = logger;
        _backoff = new Backoff(options.InitialRetryDelay, options.MaxRetryDelay, options.Random);
    }

    public AccessTokenProvider? Tokens { get; set; }

    public TimeProvider Time => _options.TimeProvider;

    public Backoff Backoff => _backoff;

    /// <summary>Sends the request made by <paramref name="create"/> for <paramref name="url"/> (called again for every attempt and redirect).</summary>
    /// <param name="create">Makes a fresh request for a URL (requests cannot be sent twice).</param>
    /// <param name="url">The first URL.</param>
    /// <param name="withToken">Whether the bearer token may be sent to <paramref name="url"/>'s origin.</param>
    /// <param name="cancellationToken">Cancels the request and any wait.</param>
    public async Task<HttpResponseMessage> SendAsync(Func<Uri, HttpRequestMessage> create, Uri url, bool withToken, CancellationToken cancellationToken)
    {
        var attempt = 0;
        var tokenRenewed = false;
        while (true)
        {
            string? sentToken = null;
            HttpResponseMessage response;
            Uri current;
            try
            {
                (response, current, sentToken) = await SendFollowingRedirectsAsync(create, url, withToken, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (IsTransientNetworkFailure(exception, cancellationToken))
            {
                if (++attempt > _options.MaxRetries)
                {
                    Log.RequestFailed(_logger, url, exception.Message);
                    throw new FhirBulkException($"{url} could not be reached after {attempt} attempts: {exception.Message}", null, url, null, isTransient: true, exception);
                }

                await WaitAsync(url, _backoff.Delay(attempt), attempt, exception.Message, cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch (HttpRequestException exception)
            {
                // Not worth retrying: most often the server's TLS certificate is not trusted (see BulkDataClientOptions.CaBundlePath).
                Log.RequestFailed(_logger, url, exception.Message);
                throw new FhirBulkException($"{url} could not be reached: {exception.InnerException?.Message ?? exception.Message}", null, url, null, isTransient: false, exception);
            }

            // 416 answers a Range request only; the downloader decides whether its partial file was in fact complete.
            if ((int)response.StatusCode < 400 || response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
            {
                return response;
            }

            using (response)
            {
                var body = await ReadErrorBodyAsync(response, cancellationToken).ConfigureAwait(false);
                var outcome = OperationOutcomes.TryParse(body);
                if (response.StatusCode == HttpStatusCode.Unauthorized && sentToken is not null && !tokenRenewed && Tokens is not null)
                {
                    Log.TokenRefused(_logger, current);
                    Tokens.Invalidate(sentToken);
                    tokenRenewed = true;
                    continue;
                }

                var transient = IsTransient(response.StatusCode, outcome);
                if (transient && ++attempt <= _options.MaxRetries)
                {
                    var delay = RetryAfter.Parse(response, Time.GetUtcNow(), TimeSpan.Zero, _options.MaxRetryDelay) ?? _backoff.Delay(attempt);
                    await WaitAsync(current, delay, attempt, $"{(int)response.StatusCode} {response.ReasonPhrase}", cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var failure = CreateException(response, current, body, outcome, transient);
                Log.RequestFailed(_logger, current, failure.Message);
                throw failure;
            }
        }
    }

    /// <summary>Waits on the client's clock (never a real sleep in tests that use a fake clock).</summary>
    public async Task WaitAsync(Uri url, TimeSpan delay, int attempt, string reason, CancellationToken cancellationToken)
    {
        Log.RetryScheduled(_logger, url, delay, attempt, reason);
        await Task.Delay(delay, Time, cancellationToken).ConfigureAwait(false);
    }

    public static bool IsTransientNetworkFailure(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        HttpRequestException { InnerException: System.Security.Authentication.AuthenticationException } => false,
        HttpRequestException or IOException => true,
        TaskCanceledException or OperationCanceledException => !cancellationToken.IsCancellationRequested,
        _ => false,
    };

    public static bool SameOrigin(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase)
        && a.Port == b.Port;

    private static bool IsTransient(HttpStatusCode status, JsonElement? outcome)
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

    private static FhirBulkException CreateException(HttpResponseMessage response, Uri url, string? body, JsonElement? outcome, bool transient)
    {
        var status = $"{(int)response.StatusCode} {response.ReasonPhrase}";
        var (error, description) = OAuthError(body);
        if (error is not null || response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            var detail = error is not null ? $"{error}{(description is null ? string.Empty : ": " + description)}" : OperationOutcomes.Summarize(outcome);
            return new AuthenticationException($"{url} answered {status}{(detail.Length > 0 ? " (" + detail + ")" : string.Empty)}", error, description, response.StatusCode, url, outcome);
        }

        var summary = outcome is null ? Truncate(body) : OperationOutcomes.Summarize(outcome);
        return new FhirBulkException($"{url} answered {status}{(string.IsNullOrEmpty(summary) ? string.Empty : ": " + summary)}", response.StatusCode, url, outcome, transient);
    }

    private static (string? Error, string? Description) OAuthError(string? body)
    {
        if (string.IsNullOrWhiteSpace(body) || body.TrimStart()[0] != '{')
        {
            return (null, null);
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            return root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String
                ? (error.GetString(), root.TryGetProperty("error_description", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null)
                : (null, null);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private static string? Truncate(string? body) => body is { Length: > 300 } ? body[..300] + "…" : body;

    private async Task<(HttpResponseMessage Response, Uri Url, string? Token)> SendFollowingRedirectsAsync(Func<Uri, HttpRequestMessage> create, Uri url, bool withToken, CancellationToken cancellationToken)
    {
        var origin = url;
        var current = url;
        for (var redirect = 0; ; redirect++)
        {
            // The token goes only to the origin it was meant for: a redirect elsewhere (a CDN, an attachment host) gets none.
            var token = withToken && Tokens is not null && SameOrigin(origin, current) ? await Tokens.GetTokenAsync(cancellationToken).ConfigureAwait(false) : null;
            using var request = create(current);
            if (token is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (!IsRedirect(response.StatusCode) || response.Headers.Location is null || redirect >= MaxRedirects)
            {
                return (response, current, token);
            }

            var location = response.Headers.Location.IsAbsoluteUri ? response.Headers.Location : new Uri(current, response.Headers.Location);
            response.Dispose();
            if (location.Scheme != Uri.UriSchemeHttps && location.Scheme != Uri.UriSchemeHttp)
            {
                throw new FhirBulkException($"{current} redirected to a non-HTTP location.", HttpStatusCode.Redirect, current, null, isTransient: false);
            }

            current = location;
            Log.RedirectFollowed(_logger, location, withToken && Tokens is not null && SameOrigin(origin, current));
        }
    }

    private static bool IsRedirect(HttpStatusCode status) =>
        status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;
}
