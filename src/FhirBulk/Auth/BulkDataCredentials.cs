namespace FhirBulk.Auth;

/// <summary>SMART Backend Services credentials: the registered client id, its signing key and the scopes to ask for.</summary>
/// <param name="ClientId">The client id the server issued at registration.</param>
/// <param name="SigningKey">The private key registered (as a public JWKS) with the server.</param>
/// <param name="Scope">Space-separated scopes; <c>system/*.read</c> (SMART v1) by default, <c>system/*.rs</c> for v2.</param>
public sealed record BulkDataCredentials(string ClientId, ClientSigningKey SigningKey, string Scope = BulkDataCredentials.DefaultScope)
{
    /// <summary>The scope requested when none is given: every resource type, read-only (SMART v1 syntax, understood by v2 servers too).</summary>
    public const string DefaultScope = "system/*.read";
}
