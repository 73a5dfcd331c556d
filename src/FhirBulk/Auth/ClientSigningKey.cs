using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace FhirBulk.Auth;

/// <summary>
/// The private key a SMART Backend Services client signs its assertions with, its <c>kid</c> and its JWS algorithm.
/// Load it from a PEM (PKCS#1, PKCS#8 or SEC1), a JWK or a JWKS.
/// </summary>
public sealed class ClientSigningKey : IDisposable
{
    private readonly AsymmetricAlgorithm _algorithm;

    private ClientSigningKey(AsymmetricAlgorithm algorithm, string? keyId, string? jwsAlgorithm)
    {
        _algorithm = algorithm;
        Algorithm = jwsAlgorithm ?? DefaultAlgorithm(algorithm);
        KeyId = keyId ?? JwkThumbprint();
        SecurityKey = algorithm switch
        {
            RSA rsa => new RsaSecurityKey(rsa) { KeyId = KeyId },
            ECDsa ec => new ECDsaSecurityKey(ec) { KeyId = KeyId },
            _ => throw new NotSupportedException($"Unsupported key type {algorithm.GetType().Name}."),
        };
    }

    /// <summary>The key id sent in the assertion header (<c>kid</c>); the JWK thumbprint (RFC 7638) when none was given.</summary>
    public string KeyId { get; }

    /// <summary>The JWS algorithm, e.g. <c>RS384</c> or <c>ES384</c>.</summary>
    public string Algorithm { get; }

    /// <summary>
    /// The absolute path of the file <see cref="Load"/> read the key from, so that an export folder can record where the
    /// key is (never the key itself); <see langword="null"/> for a key built from text, which is recorded nowhere.
    /// </summary>
    public string? SourcePath { get; private set; }

    internal SecurityKey SecurityKey { get; }

    /// <summary>Loads a private key from PEM text: <c>RSA PRIVATE KEY</c> (PKCS#1), <c>PRIVATE KEY</c> (PKCS#8, RSA or EC) or <c>EC PRIVATE KEY</c> (SEC1).</summary>
    /// <param name="pem">The PEM text.</param>
    /// <param name="keyId">The <c>kid</c> registered with the server (the seed gives it separately); the thumbprint when null.</param>
    /// <param name="algorithm">The JWS algorithm; RS384 for RSA and ES256/ES384/ES512 by curve when null.</param>
    /// <returns>The key.</returns>
    public static ClientSigningKey FromPem(string pem, string? keyId = null, string? algorithm = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pem);
        var rsaLabel = pem.Contains("BEGIN RSA PRIVATE KEY", StringComparison.Ordinal);
        var ecLabel = pem.Contains("BEGIN EC PRIVATE KEY", StringComparison.Ordinal);
        if (!rsaLabel && !ecLabel && !pem.Contains("BEGIN PRIVATE KEY", StringComparison.Ordinal))
        {
            throw new ArgumentException("The PEM holds no private key (expected RSA PRIVATE KEY, EC PRIVATE KEY or PRIVATE KEY).", nameof(pem));
        }

        if (!ecLabel)
        {
            var rsa = RSA.Create();
            try
            {
                ImportPem(rsa, pem);
                return new ClientSigningKey(rsa, keyId, algorithm);
            }
            catch (CryptographicException) when (!rsaLabel)
            {
                rsa.Dispose();
            }
            catch (CryptographicException exception)
            {
                rsa.Dispose();
                throw Undecodable(exception);
            }
            catch
            {
                rsa.Dispose();
                throw;
            }
        }

        var ec = ECDsa.Create();
        try
        {
            ImportPem(ec, pem);
            return new ClientSigningKey(ec, keyId, algorithm);
        }
        catch (CryptographicException exception)
        {
            ec.Dispose();
            throw Undecodable(exception);
        }
        catch
        {
            ec.Dispose();
            throw;
        }
    }

    /// <summary>A whole PEM block whose data is not a key (.NET: "ASN1 corrupted data."): most often a file cut short or edited inside.</summary>
    private static ArgumentException Undecodable(CryptographicException exception) =>
        new($"The PEM is not a complete key: its data does not decode as a key ({exception.Message.TrimEnd('.')}); a file cut short or edited?", "pem", exception);

    /// <summary>
    /// Imports <paramref name="pem"/>, saying what is wrong with a PEM that is not whole: .NET says only "No supported key
    /// formats were found. Check that the input represents the contents of a PEM-encoded key file, not the path to such a
    /// file", which sends the user looking for a path mix-up.
    /// </summary>
    /// <exception cref="CryptographicException">The PEM is whole, but its data is not a key of this algorithm (see <see cref="Undecodable"/>).</exception>
    private static void ImportPem(AsymmetricAlgorithm key, string pem)
    {
        try
        {
            key.ImportFromPem(pem);
        }
        catch (ArgumentException exception)
        {
            var why = pem.Contains("-----END", StringComparison.Ordinal)
                ? "its base64 between the -----BEGIN and -----END lines is damaged (an edited or cut file?)"
                : "it has no -----END line (a file cut short?)";
            throw new ArgumentException($"The PEM is not a complete key: {why}.", nameof(pem), exception);
        }
    }

    /// <summary>Loads a private key from a JWK (<c>kty</c> RSA or EC, with its private parts).</summary>
    /// <param name="jwkJson">The JWK JSON object.</param>
    /// <param name="keyId">Overrides the JWK's <c>kid</c>.</param>
    /// <returns>The key.</returns>
    public static ClientSigningKey FromJwk(string jwkJson, string? keyId = null)
    {
        using var document = JsonDocument.Parse(jwkJson);
        return FromJwk(document.RootElement, keyId);
    }

    /// <summary>Loads the private key with <paramref name="keyId"/> (or the only private key) from a JWKS.</summary>
    /// <param name="jwksJson">The JWKS JSON (<c>{"keys": [...]}</c>).</param>
    /// <param name="keyId">The <c>kid</c> to pick; required when the set holds several private keys.</param>
    /// <returns>The key.</returns>
    public static ClientSigningKey FromJwks(string jwksJson, string? keyId = null)
    {
        using var document = JsonDocument.Parse(jwksJson);
        if (!document.RootElement.TryGetProperty("keys", out var keys) || keys.ValueKind != JsonValueKind.Array)
        {
            throw new ArgumentException("The JWKS has no \"keys\" array.", nameof(jwksJson));
        }

        var candidates = keys.EnumerateArray()
            .Where(key => key.TryGetProperty("d", out _))
            .Where(key => keyId is null || (key.TryGetProperty("kid", out var kid) && kid.ValueEquals(keyId)))
            .ToList();
        return candidates.Count switch
        {
            1 => FromJwk(candidates[0], null),
            0 => throw new ArgumentException(keyId is null ? "The JWKS holds no private key." : $"The JWKS holds no private key with kid '{keyId}'.", nameof(jwksJson)),
            _ => throw new ArgumentException("The JWKS holds several private keys; give the kid to use.", nameof(keyId)),
        };
    }

    /// <summary>Loads a private key from text in any format <see cref="Load"/> reads: PEM, JWK or JWKS (a key kept in a secret, say).</summary>
    /// <param name="text">The PEM, JWK or JWKS text.</param>
    /// <param name="keyId">The <c>kid</c>: picks the key of a JWKS, names a PEM key, overrides a JWK's.</param>
    /// <returns>The key, with no <see cref="SourcePath"/>.</returns>
    public static ClientSigningKey FromText(string text, string? keyId = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        if (text.Contains("-----BEGIN", StringComparison.Ordinal))
        {
            return FromPem(text, keyId);
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.TryGetProperty("keys", out _) ? FromJwks(text, keyId) : FromJwk(document.RootElement, keyId);
        }
        catch (JsonException exception)
        {
            throw new InvalidInputException($"not a PEM key (no -----BEGIN line) and not a JWK or JWKS: {ErrorText.Describe(exception)}", exception);
        }
        catch (ArgumentException exception)
        {
            throw new InvalidInputException(ErrorText.WithoutParameter(exception), exception);
        }
    }

    /// <summary>Loads a key file, whatever its format: PEM, JWK or JWKS.</summary>
    /// <param name="path">The key file.</param>
    /// <param name="keyId">The <c>kid</c>: picks the key of a JWKS, names a PEM key, overrides a JWK's.</param>
    /// <returns>The key, with <see cref="SourcePath"/> set to the file's absolute path.</returns>
    public static ClientSigningKey Load(string path, string? keyId = null)
    {
        var key = FromText(File.ReadAllText(path), keyId);
        key.SourcePath = Path.GetFullPath(path);
        return key;
    }

    /// <summary>The public half as a JWK JSON object (with <c>kid</c>, <c>alg</c> and <c>use: sig</c>), for registering the client.</summary>
    /// <returns>The public JWK JSON.</returns>
    public string ToPublicJwk() => Jwk.Write(_algorithm, KeyId, Algorithm, includePrivate: false);

    /// <summary>The public half as a JWKS (<c>{"keys":[...]}</c>), what servers register.</summary>
    /// <returns>The public JWKS JSON.</returns>
    public string ToPublicJwks() => $"{{\"keys\":[{ToPublicJwk()}]}}";

    /// <inheritdoc/>
    public void Dispose() => _algorithm.Dispose();

    internal static ClientSigningKey FromAlgorithm(AsymmetricAlgorithm algorithm, string? keyId, string? jwsAlgorithm) => new(algorithm, keyId, jwsAlgorithm);

    internal string ToPrivateJwk() => Jwk.Write(_algorithm, KeyId, Algorithm, includePrivate: true);

    internal string ToPrivatePem() => _algorithm.ExportPkcs8PrivateKeyPem();

    private static ClientSigningKey FromJwk(JsonElement jwk, string? keyId)
    {
        var kid = keyId ?? (jwk.TryGetProperty("kid", out var k) ? k.GetString() : null);
        var alg = jwk.TryGetProperty("alg", out var a) ? a.GetString() : null;
        return new ClientSigningKey(Jwk.Read(jwk), kid, alg);
    }

    private static string DefaultAlgorithm(AsymmetricAlgorithm algorithm) => algorithm switch
    {
        RSA => "RS384",
        ECDsa { KeySize: 256 } => "ES256",
        ECDsa { KeySize: 384 } => "ES384",
        ECDsa { KeySize: 521 } => "ES512",
        _ => throw new NotSupportedException($"No JWS algorithm for a {algorithm.KeySize}-bit {algorithm.GetType().Name} key."),
    };

    private string JwkThumbprint() => Jwk.Thumbprint(_algorithm);
}
