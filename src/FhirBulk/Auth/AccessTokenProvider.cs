using System.Text.Json;
using FhirBulk.Diagnostics;
using FhirBulk.Http;
using Microsoft.Extensions.Logging;

namespace FhirBulk.Auth;

/// <summary>
/// Obtains access tokens with the client-credentials grant and a signed assertion, caches them, renews them
/// <see cref="Export.BulkDataClientOptions"/>-margin before they expire and at once when a server refuses one.
/// </summary>
internal sealed class AccessTokenProvider(BulkHttp http, BulkDataCredentials credentials, Func<CancellationToken, Task<Uri>> tokenEndpoint, TimeSpan renewalMargin, ILogger logger) : IDisposable
{
    private const string AssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    private static readonly TimeSpan AssumedLifetime = TimeSpan.FromMinutes(5);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private string? _token;
    private DateTimeOffset _renewAt;

    public async ValueTask<string> GetTokenAsync(CancellationToken cancellationToken)
    {
        if (_token is { } cached && http.Time.GetUtcNow() < _renewAt)
        {
            return cached;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_token is { } fresh && http.Time.GetUtcNow() < _renewAt)
            {
                return fresh;
            }

            return await RequestTokenAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Forgets <paramref name="refused"/> so the next call gets a new token (unless another caller already renewed it).</summary>
    public void Invalidate(string refused) => Interlocked.CompareExchange(ref _token, null, refused);

    public void Dispose() => _gate.Dispose();

    private async Task<string> RequestTokenAsync(CancellationToken cancellationToken)
    {
        var endpoint = await tokenEndpoint(cancellationToken).ConfigureAwait(false);
        using var response = await http.SendAsync(
            url => new HttpRequestMessage(HttpMethod.Post, url)
            {
                // A fresh assertion per attempt: each carries a unique jti the server may refuse to see twice.
                Content = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["grant_type"] = "client_credentials",
                    ["scope"] = credentials.Scope,
                    ["client_assertion_type"] = AssertionType,
                    ["client_assertion"] = ClientAssertion.Create(credentials.ClientId, endpoint, credentials.SigningKey, http.Time.GetUtcNow()),
                }),
            },
            endpoint,
            withToken: false,
            cancellationToken,
            "token request").ConfigureAwait(false);
        var now = http.Time.GetUtcNow();
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var (token, lifetime) = ReadTokenResponse(body, endpoint, response.StatusCode);

        // Renew a margin before expiry, but never sooner than half-way through a short lifetime.
        var margin = renewalMargin < lifetime / 2 ? renewalMargin : lifetime / 2;
        _renewAt = now + lifetime - margin;
        _token = token;
        Log.TokenIssued(logger, endpoint, lifetime);
        return token;
    }

    /// <summary>
    /// The access token and its lifetime from a token response (RFC 6749 §5.1). A malformed answer is the token endpoint's
    /// fault and is reported like a refusal, naming the endpoint and the field, never as a bare JSON parser message.
    /// </summary>
    /// <remarks><c>expires_in</c> as a numeric string (<c>"300"</c>) is accepted: several servers send it so.</remarks>
    internal static (string Token, TimeSpan Lifetime) ReadTokenResponse(byte[] body, Uri endpoint, System.Net.HttpStatusCode status)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException exception)
        {
            var start = System.Text.Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 60)).ReplaceLineEndings(" ");
            throw Malformed(endpoint, status, $"answered {(body.Length == 0 ? "an empty body" : $"a body that is not JSON (line {exception.LineNumber + 1}, byte {exception.BytePositionInLine + 1}: \"{start}\")")} instead of a token response");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Malformed(endpoint, status, $"answered a JSON {root.ValueKind.ToString().ToLowerInvariant()} instead of a token response object");
            }

            if (!root.TryGetProperty("access_token", out var token))
            {
                throw Malformed(endpoint, status, "answered without an access_token");
            }

            if (token.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(token.GetString()))
            {
                throw Malformed(endpoint, status, $"answered an access_token that is {Describe(token)}, not a non-empty string");
            }

            return (token.GetString()!, Lifetime(root, endpoint, status));
        }
    }

    private static TimeSpan Lifetime(JsonElement root, Uri endpoint, System.Net.HttpStatusCode status)
    {
        // expires_in is RECOMMENDED: without it the token is assumed short-lived and renewed early.
        if (!root.TryGetProperty("expires_in", out var expiresIn) || expiresIn.ValueKind == JsonValueKind.Null)
        {
            return AssumedLifetime;
        }

        var seconds = 0.0;
        var valid = expiresIn.ValueKind == JsonValueKind.Number
            ? expiresIn.TryGetDouble(out seconds)
            : expiresIn.ValueKind == JsonValueKind.String
              && double.TryParse(expiresIn.GetString(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out seconds);
        if (!valid || !double.IsFinite(seconds) || seconds <= 0 || seconds > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            throw Malformed(endpoint, status, $"answered an expires_in that is {Describe(expiresIn)}, not a positive number of seconds");
        }

        return TimeSpan.FromSeconds(seconds);
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => $"the string \"{(value.GetString() is { Length: > 40 } text ? text[..40] + "…" : value.GetString())}\"",
        JsonValueKind.Number => $"the number {value.GetRawText()}",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.True or JsonValueKind.False => $"the boolean {value.GetRawText()}",
        _ => "null",
    };

    private static AuthenticationException Malformed(Uri endpoint, System.Net.HttpStatusCode status, string what) =>
        new($"The token endpoint {endpoint} {what}.", null, null, status, endpoint);
}
