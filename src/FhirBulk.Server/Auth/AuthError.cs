namespace FhirBulk.Server.Auth;

/// <summary>A rejected token request: the OAuth error code, its HTTP status and what was wrong.</summary>
internal sealed record AuthError(string Error, int Status, string Description)
{
    public static AuthError InvalidClient(string description) => new("invalid_client", 401, description);

    public static AuthError InvalidGrant(string description) => new("invalid_grant", 400, description);

    public static AuthError InvalidScope(string description) => new("invalid_scope", 400, description);

    public static AuthError InvalidRequest(string description) => new("invalid_request", 400, description);
}
