using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FhirBulk.Server.Auth;

/// <summary>Access tokens: JWTs signed with a per-server-run HMAC key, so a token from another run or a forged one fails.</summary>
internal sealed class AccessTokens(TimeProvider timeProvider)
{
    private const string Issuer = "urn:fhirbulk:server";
    private readonly SymmetricSecurityKey _key = new(RandomNumberGenerator.GetBytes(32));
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };

    public string Issue(string clientId, ScopeSet scopes, TimeSpan lifetime)
    {
        var now = timeProvider.GetUtcNow().UtcDateTime;
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Subject = new ClaimsIdentity([new Claim("client_id", clientId), new Claim("scope", scopes.Text)]),
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>Validates a bearer token; returns the caller or why it was refused.</summary>
    public async Task<(Caller? Caller, string? Error)> ValidateAsync(string token)
    {
        var result = await _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            IssuerSigningKey = _key,
            ValidIssuer = Issuer,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            ValidateAudience = false,
            ValidateLifetime = false,
        });
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt)
        {
            return (null, "The access token is not valid (not issued by this server).");
        }

        if (jwt.ValidTo <= timeProvider.GetUtcNow().UtcDateTime)
        {
            return (null, "The access token has expired.");
        }

        var clientId = jwt.TryGetPayloadValue<string>("client_id", out var id) ? id : string.Empty;
        var scope = jwt.TryGetPayloadValue<string>("scope", out var s) ? s : string.Empty;
        return ScopeSet.TryParse(scope, out var scopes, out _)
            ? (new Caller(clientId, scopes), null)
            : (null, "The access token carries no usable scope.");
    }
}

/// <summary>Who is calling: the client and what it was granted.</summary>
internal sealed record Caller(string ClientId, ScopeSet Scopes)
{
    /// <summary>The caller of an open (<c>--no-auth</c>) server.</summary>
    public static Caller Anonymous { get; } = new("anonymous", ScopeSet.All);
}
