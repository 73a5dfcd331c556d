using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FhirBulk.Auth;

/// <summary>
/// Builds the signed client assertion of SMART Backend Services (§ "Authenticating to the token endpoint"):
/// header alg, kid, typ=JWT; claims iss = sub = client_id, aud = token endpoint, exp ≤ 5 minutes ahead, a unique jti.
/// </summary>
internal static class ClientAssertion
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    public static string Create(string clientId, Uri tokenEndpoint, ClientSigningKey key, DateTimeOffset now)
    {
        var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = clientId,
            Audience = tokenEndpoint.AbsoluteUri,
            Expires = now.Add(Lifetime).UtcDateTime,
            IssuedAt = now.UtcDateTime,
            TokenType = "JWT",
            Subject = new ClaimsIdentity([new Claim("sub", clientId), new Claim("jti", Guid.NewGuid().ToString("N"))]),
            SigningCredentials = new SigningCredentials(key.SecurityKey, key.Algorithm),
        };
        return handler.CreateToken(descriptor);
    }
}
