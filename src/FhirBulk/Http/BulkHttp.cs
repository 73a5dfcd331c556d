using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using FhirBulk.Auth;
using FhirBulk.Diagnostics;
using FhirBulk.Export;
using Microsoft.Extensions.Logging;
using Polly;

namespace FhirBulk.Http;

/// <summary>
/// Sends one logical request: adds the bearer token where allowed, follows redirects itself (dropping the token on a
/// change of origin), renews the token once on a 401, and retries transient failures through <see cref="RequestRetries"/>.
/// Returns only successful responses; every failure becomes a <see cref="FhirBulkException"/>.
/// </summary>
internal sealed class BulkHttp
{
    private const int MaxRedirects = 5;

    private readonly HttpClient _http;
    private readonly BulkDataClientOptions _options;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline<HttpAttempt> _retries;

    public BulkHttp(HttpClient http, BulkDataClientOptions options, ILogger logger)
    {
        _http = http;
        _options = options;
        _logger = logger;
        Stall = new StallWatch(options.TimeProvider, options.StallTimeout);
        _retries = RequestRetries.Create(options, logger, Stall);
    }

    /// <summary>When the server last answered or sent a byte, for every request and download of this client.</summary>
    public StallWatch Stall { get; }

    public AccessTokenProvider? Tokens { get; set; }

    public TimeProvider Time => _options.TimeProvider;

    /// <summary>Sends the request made by <paramref name="create"/> for <paramref name="url"/> (called again for every attempt and redirect).</summary>
    /// <param name="create">Makes a fresh request for a URL (requests cannot be sent twice).</param>
    /// <param name="url">The first URL.</param>
    /// <param name="withToken">Whether the bearer token may be sent to <paramref name="url"/>'s origin.</param>
    /// <param name="cancellationToken">Cancels the request and any wait.</param>
    /// <param name="name">What the request asks, in words ("status poll"), for wait notices and messages.</param>
    /// <param name="waitBudget">How long answers that ask to wait are honoured; null: they are retried like failures, <c>MaxRetries</c> times.</param>
    /// <param name="stallFrom">When the stall timeout started to run, if before now (the start of a file transfer this request continues); null: now.</param>
    public async Task<HttpResponseMessage> SendAsync(Func<Uri, HttpRequestMessage> create, Uri url, bool withToken, CancellationToken cancellationToken, string? name = null, TimeSpan? waitBudget = null, DateTimeOffset? stallFrom = null)
    {
        var started = Time.GetUtcNow();
        // One renewal per logical request, whichever attempt is refused: a second 401 means the new token is refused too.
        var tokenRenewed = false;
        async Task<HttpAttempt> AttemptAsync(CancellationToken attemptCancellation)
        {
            var (response, current, sentToken) = await SendFollowingRedirectsAsync(create, url, withToken, attemptCancellation).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.Unauthorized && sentToken is not null && !tokenRenewed && Tokens is not null)
            {
                response.Dispose();
                Log.TokenRefused(_logger, current);
                Tokens.Invalidate(sentToken);
                tokenRenewed = true;
                (response, current, _) = await SendFollowingRedirectsAsync(create, url, withToken, attemptCancellation).ConfigureAwait(false);
            }

            return await HttpAttempt.ReadAsync(response, current, attemptCancellation).ConfigureAwait(false);
        }

        HttpAttempt attempt;
        try
        {
            attempt = await _retries.ExecuteRequestAsync(url, AttemptAsync, cancellationToken, name, waitBudget, Time, stallFrom).ConfigureAwait(false);
        }
        catch (Exception exception) when (IsTransientNetworkFailure(exception, cancellationToken))
        {
            Log.RequestFailed(_logger, url, WithoutUrl(exception.Message, url));
            var message = Stall.Remaining(stallFrom ?? started) <= TimeSpan.Zero
                ? $"{url} has not answered for {Minutes(Time.GetUtcNow() - Stall.LastSignOfLife(stallFrom ?? started))} (the stall timeout is {Minutes(_options.StallTimeout)}): {exception.Message}"
                : $"{url} could not be reached after {Counted.Of(_options.MaxRetries + 1, "attempt")}: {exception.Message}";
            throw new FhirBulkException(message, null, url, null, isTransient: true, exception);
        }
        catch (HttpRequestException exception)
        {
            // Not worth retrying: most often the server's TLS certificate is not trusted (see BulkDataClientOptions.CaBundlePath).
            Log.RequestFailed(_logger, url, WithoutUrl(exception.Message, url));
            throw new FhirBulkException(Unreachable(url, exception), null, url, null, isTransient: false, exception);
        }

        if (!attempt.IsError)
        {
            return attempt.Response;
        }

        using (attempt)
        {
            // Retries stop on an answer that asks to wait only when the budget is spent.
            var failure = waitBudget is { } budget && attempt.AsksToWait
                ? new WaitBudgetExceededException(attempt.Answer, Time.GetUtcNow() - started, budget, attempt.Response.StatusCode, attempt.Url, attempt.Outcome)
                : CreateException(attempt, withoutCredentials: Tokens is null);
            Log.RequestFailed(_logger, attempt.Url, WithoutUrl(failure.Message, attempt.Url));
            throw failure;
        }
    }

    /// <summary>
    /// A failure's message without the URL it starts with (<c>{url} answered 410 Gone</c>), for a line that names
    /// <paramref name="url"/> itself: otherwise the line reads the URL twice.
    /// </summary>
    internal static string WithoutUrl(string message, Uri url)
    {
        // The message may spell the URL as Uri.ToString() does (interpolation) or escaped, as the manifest gave it.
        foreach (var spelling in (ReadOnlySpan<string>)[url.ToString(), url.AbsoluteUri, url.OriginalString])
        {
            if (message.Length > spelling.Length && message.StartsWith(spelling + " ", StringComparison.Ordinal))
            {
                return message[(spelling.Length + 1)..];
            }
        }

        return message;
    }

    /// <summary>A duration as a person says it: "2 min", "45 s".</summary>
    internal static string Minutes(TimeSpan duration) => duration.TotalSeconds >= 120 && duration.TotalSeconds % 60 < 1
        ? $"{(int)duration.TotalMinutes} min"
        : $"{(int)Math.Round(duration.TotalSeconds)} s";

    /// <summary>Why <paramref name="url"/> could not be reached, in words a user can act on.</summary>
    internal static string Unreachable(Uri url, HttpRequestException exception)
    {
        var detail = exception.InnerException?.Message ?? exception.Message;
        // A certificate that is not trusted is said as .NET says it ("The remote certificate is invalid ..."). Any other
        // failed handshake ("Cannot determine the frame size or a corrupted frame was received" when the answer is not TLS
        // at all) is most often an https:// URL for a port that speaks plain http.
        return exception.InnerException is System.Security.Authentication.AuthenticationException
            && url.Scheme == Uri.UriSchemeHttps
            && !detail.Contains("certificate", StringComparison.OrdinalIgnoreCase)
                ? $"{url} could not be reached: the TLS handshake failed ({detail}); the server may speak plain http on port {url.Port}: try http:// instead of https://."
                : $"{url} could not be reached: {detail}";
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

    private static FhirBulkException CreateException(HttpAttempt attempt, bool withoutCredentials)
    {
        var (response, url, body, outcome) = (attempt.Response, attempt.Url, attempt.ErrorBody, attempt.Outcome);
        var status = $"{(int)response.StatusCode} {response.ReasonPhrase}";
        var (error, description) = OAuthError(body);
        if (error is not null || response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            var detail = error is not null ? $"{error}{(description is null ? string.Empty : ": " + description)}" : OperationOutcomes.Summarize(outcome);
            return new AuthenticationException($"{url} answered {status}{(detail.Length > 0 ? " (" + detail + ")" : string.Empty)}", error, description, response.StatusCode, url, outcome)
            {
                WithoutCredentials = withoutCredentials && response.StatusCode is HttpStatusCode.Unauthorized,
            };
        }

        var summary = outcome is null ? Truncate(body) : OperationOutcomes.Summarize(outcome);
        return new FhirBulkException($"{url} answered {status}{(string.IsNullOrEmpty(summary) ? string.Empty : ": " + summary)}", response.StatusCode, url, outcome, attempt.IsTransient);
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

    // An empty JSON object or array (some servers' whole 429 body) says nothing a person could use.
    private static string? Truncate(string? body) => body?.Trim() switch
    {
        null or "" or "{}" or "[]" => null,
        { Length: > 300 } text => text[..300] + "…",
        var text => text,
    };

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
            Stall.Touch();
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
