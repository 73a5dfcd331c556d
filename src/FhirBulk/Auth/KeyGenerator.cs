using System.Security.Cryptography;

namespace FhirBulk.Auth;

/// <summary>A freshly generated client key pair: what <c>fhir-bulk keygen</c> writes.</summary>
/// <param name="Algorithm">The JWS algorithm (RS384 or ES384).</param>
/// <param name="KeyId">The <c>kid</c> (the RFC 7638 thumbprint of the public key).</param>
/// <param name="PrivateKeyPem">The private key as PKCS#8 PEM; keep it secret.</param>
/// <param name="PublicJwks">The public key as a JWKS to register with the server.</param>
public sealed record GeneratedKeyPair(string Algorithm, string KeyId, string PrivateKeyPem, string PublicJwks);

/// <summary>Generates client key pairs for SMART Backend Services.</summary>
public static class KeyGenerator
{
    /// <summary>Generates a key pair: RS384 (RSA 2048) or ES384 (P-384).</summary>
    /// <param name="algorithm"><c>RS384</c> or <c>ES384</c> (case-insensitive).</param>
    /// <returns>The private PEM, the public JWKS and the kid.</returns>
    public static GeneratedKeyPair Generate(string algorithm = "RS384")
    {
        ArgumentNullException.ThrowIfNull(algorithm);
        AsymmetricAlgorithm key = algorithm.ToUpperInvariant() switch
        {
            "RS384" => RSA.Create(2048),
            "ES384" => ECDsa.Create(ECCurve.NamedCurves.nistP384),
            _ => throw new ArgumentException($"Unsupported algorithm '{algorithm}'; use RS384 or ES384.", nameof(algorithm)),
        };
        using var signingKey = ClientSigningKey.FromAlgorithm(key, keyId: null, algorithm.ToUpperInvariant());
        return new GeneratedKeyPair(signingKey.Algorithm, signingKey.KeyId, signingKey.ToPrivatePem(), signingKey.ToPublicJwks());
    }
}
