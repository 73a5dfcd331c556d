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
            cancellationToken).ConfigureAwait(false);
        var now = http.Time.GetUtcNow();
        using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), cancellationToken: cancellationToken).ConfigureAwait(false);
        var root = document.RootElement;
        if (!root.TryGetProperty("access_token", out var token) || token.ValueKind != JsonValueKind.String)
        {
            throw new AuthenticationException($"{endpoint} answered without an access_token.", null, null, response.StatusCode, endpoint);
        }

        var lifetime = root.TryGetProperty("expires_in", out var expiresIn) && expiresIn.TryGetDouble(out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : AssumedLifetime;

        // Renew a margin before expiry, but never sooner than half-way through a short lifetime.
        var margin = renewalMargin < lifetime / 2 ? renewalMargin : lifetime / 2;
        _renewAt = now + lifetime - margin;
        _token = token.GetString();
        Log.TokenIssued(logger, endpoint, lifetime);
        return _token!;
    }
}
