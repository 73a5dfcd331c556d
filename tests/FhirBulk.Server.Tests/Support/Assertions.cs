using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FhirBulk.Server.Tests.Support;

/// <summary>Builds SMART Backend Services client assertions, correct by default, with each field overridable to break one rule.</summary>
public sealed record AssertionSpec(string ClientId, string Audience)
{
    public string? Subject { get; init; }

    public string? Jti { get; init; } = Guid.NewGuid().ToString("N");

    public TimeSpan? ExpiresIn { get; init; } = TimeSpan.FromMinutes(4);

    public DateTimeOffset Now { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>A raw <c>exp</c> claim, for values no <see cref="DateTime"/> can hold; set <see cref="ExpiresIn"/> to null with it.</summary>
    public long? RawExp { get; init; }

    public string? TokenType { get; init; } = "JWT";

    public string Sign(TestKeys keys, string? kid = null)
    {
        var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        var key = keys.SigningKey;
        key.KeyId = kid ?? keys.Kid;
        return handler.CreateToken(Descriptor(new SigningCredentials(key, keys.Algorithm)));
    }

    public string SignSymmetric(byte[] secret, string kid) =>
        new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(
            Descriptor(new SigningCredentials(new SymmetricSecurityKey(secret) { KeyId = kid }, SecurityAlgorithms.HmacSha384)));

    /// <summary>An unsigned token (<c>alg: none</c>).</summary>
    public string Unsigned(string kid)
    {
        var header = Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes($$"""{"alg":"none","typ":"JWT","kid":"{{kid}}"}"""));
        var signed = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(Descriptor(null));
        return header + "." + signed.Split('.')[1] + ".";
    }

    private SecurityTokenDescriptor Descriptor(SigningCredentials? credentials)
    {
        var claims = new Dictionary<string, object> { ["sub"] = Subject ?? ClientId };
        if (Jti is not null)
        {
            claims["jti"] = Jti;
        }

        if (RawExp is { } exp)
        {
            claims["exp"] = exp;
        }

        return new SecurityTokenDescriptor
        {
            Issuer = ClientId,
            Audience = Audience,
            Claims = claims,
            Expires = ExpiresIn is { } e ? (Now + e).UtcDateTime : null,
            TokenType = TokenType,
            SigningCredentials = credentials,
        };
    }
}
