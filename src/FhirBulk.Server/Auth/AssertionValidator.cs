using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FhirBulk.Server.Auth;

/// <summary>
/// Validates a SMART Backend Services client assertion (hl7.org/fhir/smart-app-launch/client-confidential-asymmetric.html):
/// RS384 or ES384 signature by a registered key chosen by <c>kid</c>, <c>typ</c> JWT, iss = sub = client_id,
/// aud = the token endpoint, exp present and at most five minutes ahead, and a <c>jti</c> never seen before
/// (an assertion without jti is accepted unless <see cref="BulkDataServerOptions.RequireJti"/>, and may then be used once).
/// </summary>
/// <remarks>
/// Signature, key and issuer problems are <c>invalid_client</c> (401); problems with an otherwise
/// authentic assertion's claims (audience, expiry, replay) are <c>invalid_grant</c> (400).
/// </remarks>
internal sealed class AssertionValidator(ClientRegistry clients, ReplayCache replays, TimeProvider timeProvider, HttpClient jwksClient, bool requireJti)
{
    private static readonly TimeSpan ClockTolerance = TimeSpan.FromSeconds(5);
    private static readonly long MinUnixSeconds = DateTimeOffset.MinValue.ToUnixTimeSeconds();
    private static readonly long MaxUnixSeconds = DateTimeOffset.MaxValue.ToUnixTimeSeconds();
    private readonly JsonWebTokenHandler _handler = new();

    public async Task<(RegisteredClient? Client, AuthError? Error)> ValidateAsync(string assertion, string tokenEndpoint, CancellationToken cancellationToken)
    {
        if (!_handler.CanReadToken(assertion))
        {
            return (null, AuthError.InvalidClient("client_assertion is not a compact JWS."));
        }

        JsonWebToken jwt;
        try
        {
            jwt = _handler.ReadJsonWebToken(assertion);
        }
        catch (ArgumentException exception)
        {
            return (null, AuthError.InvalidClient($"client_assertion cannot be read: {exception.Message}"));
        }

        // 'none' and symmetric algorithms are refused before any key is looked at (algorithm confusion).
        if (jwt.Alg is not (SecurityAlgorithms.RsaSha384 or SecurityAlgorithms.EcdsaSha384))
        {
            return (null, AuthError.InvalidClient($"Assertion algorithm '{jwt.Alg}' is not allowed; use RS384 or ES384."));
        }

        if (!string.Equals(jwt.Typ, "JWT", StringComparison.OrdinalIgnoreCase))
        {
            return (null, AuthError.InvalidClient($"Assertion header typ must be 'JWT', not '{jwt.Typ}'."));
        }

        if (string.IsNullOrEmpty(jwt.Kid))
        {
            return (null, AuthError.InvalidClient("Assertion header must carry the 'kid' of the signing key."));
        }

        if (string.IsNullOrEmpty(jwt.Issuer) || jwt.Issuer != jwt.Subject)
        {
            return (null, AuthError.InvalidClient("Assertion iss and sub must both be the client_id."));
        }

        if (!clients.TryGet(jwt.Issuer, out var client))
        {
            return (null, AuthError.InvalidClient($"Client '{jwt.Issuer}' is not registered."));
        }

        var (key, keyError) = await FindKeyAsync(client, jwt, cancellationToken);
        if (key is null)
        {
            return (null, AuthError.InvalidClient(keyError!));
        }

        var result = await _handler.ValidateTokenAsync(assertion, new TokenValidationParameters
        {
            IssuerSigningKey = key,
            ValidAlgorithms = [jwt.Alg],
            RequireSignedTokens = true,
            TryAllIssuerSigningKeys = false,
            ValidateIssuer = false,
            ValidateAudience = false,
            ValidateLifetime = false,
            RequireExpirationTime = false,
            ValidateIssuerSigningKey = false,
        });
        if (!result.IsValid)
        {
            return (null, AuthError.InvalidClient("Assertion signature does not verify with the registered key '" + jwt.Kid + "'."));
        }

        return (client, CheckClaims(jwt, tokenEndpoint));
    }

    private AuthError? CheckClaims(JsonWebToken jwt, string tokenEndpoint)
    {
        if (!jwt.Audiences.Contains(tokenEndpoint, StringComparer.Ordinal))
        {
            return AuthError.InvalidGrant($"Assertion aud must be the token endpoint '{tokenEndpoint}'.");
        }

        if (!jwt.TryGetPayloadValue<long>("exp", out var exp))
        {
            return AuthError.InvalidGrant("Assertion must carry exp.");
        }

        var now = timeProvider.GetUtcNow();
        // Clamped: an exp outside years 1..9999 is still just expired or too far ahead, not an exception.
        var expires = DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(exp, MinUnixSeconds, MaxUnixSeconds));
        if (expires <= now)
        {
            return AuthError.InvalidGrant("Assertion has expired.");
        }

        if (expires > now + ServerDefaults.MaxAssertionLifetime + ClockTolerance)
        {
            return AuthError.InvalidGrant("Assertion exp is more than five minutes in the future.");
        }

        if (string.IsNullOrEmpty(jwt.Id))
        {
            if (requireJti)
            {
                return AuthError.InvalidGrant("Assertion must carry a jti.");
            }

            // The public SMART server accepts assertions without jti, and clients written against it
            // (the workshop's among them) send none. The signature then stands in for the jti, so the
            // same assertion still cannot be replayed.
            return replays.TryUse(jwt.Issuer, "sig:" + jwt.EncodedSignature, expires)
                ? null
                : AuthError.InvalidGrant("This assertion (which has no jti) has already been used.");
        }

        return replays.TryUse(jwt.Issuer, jwt.Id, expires)
            ? null
            : AuthError.InvalidGrant("Assertion jti has already been used.");
    }

    private async Task<(SecurityKey? Key, string? Error)> FindKeyAsync(RegisteredClient client, JsonWebToken jwt, CancellationToken cancellationToken)
    {
        var keys = client.Keys;
        if (keys is null && client.JwksUrl is not null)
        {
            try
            {
                keys = ClientRegistry.ParseKeySet(await jwksClient.GetStringAsync(client.JwksUrl, cancellationToken));
            }
            catch (Exception exception) when (exception is HttpRequestException or ArgumentException or TaskCanceledException)
            {
                return (null, $"The client's JWKS could not be fetched from {client.JwksUrl}: {exception.Message}");
            }
        }

        var key = keys?.Keys.FirstOrDefault(k => k.Kid == jwt.Kid);
        if (key is null)
        {
            return (null, $"No registered key has kid '{jwt.Kid}'.");
        }

        var expectedType = jwt.Alg == SecurityAlgorithms.RsaSha384 ? JsonWebAlgorithmsKeyTypes.RSA : JsonWebAlgorithmsKeyTypes.EllipticCurve;
        if (key.Kty != expectedType || (!string.IsNullOrEmpty(key.Alg) && key.Alg != jwt.Alg))
        {
            return (null, $"Key '{jwt.Kid}' ({key.Kty}{(string.IsNullOrEmpty(key.Alg) ? string.Empty : " " + key.Alg)}) cannot verify {jwt.Alg}.");
        }

        return (key, null);
    }
}
