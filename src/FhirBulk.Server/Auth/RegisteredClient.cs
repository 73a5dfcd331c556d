using Microsoft.IdentityModel.Tokens;

namespace FhirBulk.Server.Auth;

/// <summary>A client allowed to ask for tokens: its keys (inline or at a JWKS URL) and the scopes it may be granted.</summary>
internal sealed record RegisteredClient(string ClientId, JsonWebKeySet? Keys, Uri? JwksUrl, ScopeSet AllowedScopes);
