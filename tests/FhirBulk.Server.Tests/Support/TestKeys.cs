using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.Tokens;

namespace FhirBulk.Server.Tests.Support;

/// <summary>A client key pair and its public JWKS, RS384 or ES384.</summary>
public sealed class TestKeys : IDisposable
{
    private readonly RSA? _rsa;
    private readonly ECDsa? _ec;

    private TestKeys(RSA? rsa, ECDsa? ec, string kid)
    {
        _rsa = rsa;
        _ec = ec;
        Kid = kid;
    }

    public string Kid { get; }

    public string Algorithm => _rsa is not null ? SecurityAlgorithms.RsaSha384 : SecurityAlgorithms.EcdsaSha384;

    public static TestKeys Rsa(string kid = "rsa-key") => new(RSA.Create(2048), null, kid);

    public static TestKeys Ec(string kid = "ec-key") => new(null, ECDsa.Create(ECCurve.NamedCurves.nistP384), kid);

    public SecurityKey SigningKey => _rsa is not null ? new RsaSecurityKey(_rsa) { KeyId = Kid } : new ECDsaSecurityKey(_ec!) { KeyId = Kid };

    /// <summary>The RSA public key bytes, for forging an HS384 token "signed" with the public key (algorithm confusion).</summary>
    public byte[] PublicKeyBytes => _rsa!.ExportSubjectPublicKeyInfo();

    public string PublicJwks()
    {
        JsonObject key;
        if (_rsa is not null)
        {
            var p = _rsa.ExportParameters(false);
            key = new() { ["kty"] = "RSA", ["kid"] = Kid, ["alg"] = "RS384", ["n"] = Base64UrlEncoder.Encode(p.Modulus), ["e"] = Base64UrlEncoder.Encode(p.Exponent) };
        }
        else
        {
            var p = _ec!.ExportParameters(false);
            key = new() { ["kty"] = "EC", ["kid"] = Kid, ["alg"] = "ES384", ["crv"] = "P-384", ["x"] = Base64UrlEncoder.Encode(p.Q.X), ["y"] = Base64UrlEncoder.Encode(p.Q.Y) };
        }

        return new JsonObject { ["keys"] = new JsonArray(key) }.ToJsonString();
    }

    public void Dispose()
    {
        _rsa?.Dispose();
        _ec?.Dispose();
    }
}
