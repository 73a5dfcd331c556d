using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace FhirBulk.Auth;

/// <summary>Converts RSA and EC keys to and from JWK (RFC 7517/7518) and computes thumbprints (RFC 7638).</summary>
internal static class Jwk
{
    public static AsymmetricAlgorithm Read(JsonElement jwk)
    {
        var kty = Required(jwk, "kty");
        if (!jwk.TryGetProperty("d", out _))
        {
            throw new ArgumentException($"The JWK (kid '{Optional(jwk, "kid")}') has no private part \"d\"; a signing key is needed.");
        }

        switch (kty)
        {
            case "RSA":
                return RSA.Create(new RSAParameters
                {
                    Modulus = Bytes(jwk, "n"),
                    Exponent = Bytes(jwk, "e"),
                    D = Bytes(jwk, "d"),
                    P = Bytes(jwk, "p"),
                    Q = Bytes(jwk, "q"),
                    DP = Bytes(jwk, "dp"),
                    DQ = Bytes(jwk, "dq"),
                    InverseQ = Bytes(jwk, "qi"),
                });
            case "EC":
                return ECDsa.Create(new ECParameters
                {
                    Curve = Required(jwk, "crv") switch
                    {
                        "P-256" => ECCurve.NamedCurves.nistP256,
                        "P-384" => ECCurve.NamedCurves.nistP384,
                        "P-521" => ECCurve.NamedCurves.nistP521,
                        var other => throw new NotSupportedException($"Unsupported EC curve '{other}'."),
                    },
                    Q = new ECPoint { X = Bytes(jwk, "x"), Y = Bytes(jwk, "y") },
                    D = Bytes(jwk, "d"),
                });
            default:
                throw new NotSupportedException($"Unsupported JWK kty '{kty}' (RSA and EC are supported).");
        }
    }

    public static string Write(AsymmetricAlgorithm key, string kid, string alg, bool includePrivate)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            switch (key)
            {
                case RSA rsa:
                    var p = rsa.ExportParameters(includePrivate);
                    json.WriteString("kty", "RSA");
                    json.WriteString("e", Base64UrlEncoder.Encode(p.Exponent));
                    json.WriteString("n", Base64UrlEncoder.Encode(p.Modulus));
                    if (includePrivate)
                    {
                        json.WriteString("d", Base64UrlEncoder.Encode(p.D));
                        json.WriteString("p", Base64UrlEncoder.Encode(p.P));
                        json.WriteString("q", Base64UrlEncoder.Encode(p.Q));
                        json.WriteString("dp", Base64UrlEncoder.Encode(p.DP));
                        json.WriteString("dq", Base64UrlEncoder.Encode(p.DQ));
                        json.WriteString("qi", Base64UrlEncoder.Encode(p.InverseQ));
                    }

                    break;
                case ECDsa ec:
                    var q = ec.ExportParameters(includePrivate);
                    json.WriteString("kty", "EC");
                    json.WriteString("crv", CurveName(ec));
                    json.WriteString("x", Base64UrlEncoder.Encode(q.Q.X));
                    json.WriteString("y", Base64UrlEncoder.Encode(q.Q.Y));
                    if (includePrivate)
                    {
                        json.WriteString("d", Base64UrlEncoder.Encode(q.D));
                    }

                    break;
            }

            json.WriteString("kid", kid);
            json.WriteString("alg", alg);
            json.WriteString("use", "sig");
            json.WriteStartArray("key_ops");
            json.WriteStringValue(includePrivate ? "sign" : "verify");
            json.WriteEndArray();
            json.WriteBoolean("ext", true);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>RFC 7638: SHA-256 over the required members in lexicographic order, base64url.</summary>
    public static string Thumbprint(AsymmetricAlgorithm key)
    {
        string canonical;
        switch (key)
        {
            case RSA rsa:
                var p = rsa.ExportParameters(false);
                canonical = $"{{\"e\":\"{Base64UrlEncoder.Encode(p.Exponent)}\",\"kty\":\"RSA\",\"n\":\"{Base64UrlEncoder.Encode(p.Modulus)}\"}}";
                break;
            case ECDsa ec:
                var q = ec.ExportParameters(false);
                canonical = $"{{\"crv\":\"{CurveName(ec)}\",\"kty\":\"EC\",\"x\":\"{Base64UrlEncoder.Encode(q.Q.X)}\",\"y\":\"{Base64UrlEncoder.Encode(q.Q.Y)}\"}}";
                break;
            default:
                throw new NotSupportedException(key.GetType().Name);
        }

        return Base64UrlEncoder.Encode(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    private static string CurveName(ECDsa ec) => ec.KeySize switch
    {
        256 => "P-256",
        384 => "P-384",
        521 => "P-521",
        _ => throw new NotSupportedException($"Unsupported EC key size {ec.KeySize}."),
    };

    private static string Required(JsonElement jwk, string name) =>
        Optional(jwk, name) ?? throw new ArgumentException($"The JWK has no \"{name}\".");

    private static string? Optional(JsonElement jwk, string name) =>
        jwk.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static byte[] Bytes(JsonElement jwk, string name)
    {
        try
        {
            return Base64UrlEncoder.DecodeBytes(Required(jwk, name));
        }
        catch (FormatException e)
        {
            // IdentityModel's own message is an IDX code with the value hidden as PII: name the member instead.
            throw new ArgumentException($"The JWK's \"{name}\" is not base64url.", e);
        }
    }
}
