using System.Security.Cryptography;
using System.Text.Json;
using FhirBulk.Auth;

namespace FhirBulk.Tests.Auth;

public class ClientSigningKeyTests
{
    [Fact]
    public void FromPem_Pkcs1Rsa_LoadsAsRs384WithGivenKid()
    {
        using var rsa = RSA.Create(2048);
        using var key = ClientSigningKey.FromPem(rsa.ExportRSAPrivateKeyPem(), "kid-1");
        Assert.Equal(("RS384", "kid-1"), (key.Algorithm, key.KeyId));
    }

    [Fact]
    public void FromPem_Pkcs8Rsa_Loads()
    {
        using var rsa = RSA.Create(2048);
        using var key = ClientSigningKey.FromPem(rsa.ExportPkcs8PrivateKeyPem());
        Assert.Equal("RS384", key.Algorithm);
    }

    [Fact]
    public void FromPem_Sec1P384_LoadsAsEs384()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        using var key = ClientSigningKey.FromPem(ec.ExportECPrivateKeyPem());
        Assert.Equal("ES384", key.Algorithm);
    }

    [Fact]
    public void FromPem_Pkcs8Ec_LoadsAsEc()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var key = ClientSigningKey.FromPem(ec.ExportPkcs8PrivateKeyPem());
        Assert.Equal("ES256", key.Algorithm);
    }

    [Fact]
    public void FromPem_PublicKeyOnly_ThrowsSayingSo()
    {
        using var rsa = RSA.Create(2048);
        var error = Assert.Throws<ArgumentException>(() => ClientSigningKey.FromPem(rsa.ExportSubjectPublicKeyInfoPem()));
        Assert.Contains("no private key", error.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string> WholePems() => new(
        RSA.Create(2048).ExportRSAPrivateKeyPem(),
        RSA.Create(2048).ExportPkcs8PrivateKeyPem(),
        ECDsa.Create(ECCurve.NamedCurves.nistP384).ExportECPrivateKeyPem(),
        ECDsa.Create(ECCurve.NamedCurves.nistP256).ExportPkcs8PrivateKeyPem());

    [Theory]
    [MemberData(nameof(WholePems))]
    public void FromPem_CutShortWithoutEndLine_ThrowsSayingItIsNotACompletePemKey(string pem)
    {
        // .NET said "No supported key formats were found. Check that the input represents the contents of a PEM-encoded
        // key file, not the path to such a file", which sent users looking for a path mix-up.
        var error = Assert.Throws<ArgumentException>(() => ClientSigningKey.FromPem(pem[..(pem.Length / 2)]));

        Assert.StartsWith("The PEM is not a complete key: it has no -----END line (a file cut short?).", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(WholePems))]
    public void FromPem_DamagedBase64_ThrowsSayingItIsNotACompletePemKey(string pem)
    {
        var lines = pem.Split('\n');
        lines[2] = "!!" + lines[2][2..];

        var error = Assert.Throws<ArgumentException>(() => ClientSigningKey.FromPem(string.Join('\n', lines)));

        Assert.StartsWith("The PEM is not a complete key: its base64 between the -----BEGIN and -----END lines is damaged", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(WholePems))]
    public void FromPem_WholeBlockOfCutData_ThrowsSayingItIsNotACompletePemKey(string pem)
    {
        var fields = PemEncoding.Find(pem);
        var der = Convert.FromBase64String(pem[fields.Base64Data]);
        var cut = new string(PemEncoding.Write(pem[fields.Label], der.AsSpan(0, der.Length / 2)));

        var error = Assert.Throws<ArgumentException>(() => ClientSigningKey.FromPem(cut));

        Assert.StartsWith("The PEM is not a complete key: its data does not decode as a key (", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromPem_NoKid_UsesRfc7638Thumbprint()
    {
        using var rsa = RSA.Create(2048);
        using var key = ClientSigningKey.FromPem(rsa.ExportRSAPrivateKeyPem());
        var jwk = new Microsoft.IdentityModel.Tokens.JsonWebKey(key.ToPublicJwk());
        Assert.Equal(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(jwk.ComputeJwkThumbprint()), key.KeyId);
    }

    [Fact]
    public void FromJwks_SeveralKeys_PicksPrivateKeyByKid()
    {
        var a = KeyGenerator.Generate("ES384");
        var b = KeyGenerator.Generate("RS384");
        using var keyA = ClientSigningKey.FromPem(a.PrivateKeyPem, a.KeyId);
        using var keyB = ClientSigningKey.FromPem(b.PrivateKeyPem, b.KeyId);
        var jwks = $"{{\"keys\":[{keyA.ToPrivateJwk()},{keyB.ToPrivateJwk()},{keyB.ToPublicJwk()}]}}";

        using var picked = ClientSigningKey.FromJwks(jwks, b.KeyId);

        Assert.Equal((b.KeyId, "RS384"), (picked.KeyId, picked.Algorithm));
    }

    [Fact]
    public void FromJwks_SeveralPrivateKeysAndNoKid_Throws()
    {
        using var a = ClientSigningKey.FromPem(KeyGenerator.Generate("ES384").PrivateKeyPem);
        using var b = ClientSigningKey.FromPem(KeyGenerator.Generate("ES384").PrivateKeyPem);
        Assert.Throws<ArgumentException>(() => ClientSigningKey.FromJwks($"{{\"keys\":[{a.ToPrivateJwk()},{b.ToPrivateJwk()}]}}"));
    }

    [Fact]
    public void FromJwk_PublicJwk_ThrowsNamingTheMissingPrivatePart()
    {
        using var key = ClientSigningKey.FromPem(KeyGenerator.Generate("RS384").PrivateKeyPem, "k");
        var error = Assert.Throws<ArgumentException>(() => ClientSigningKey.FromJwk(key.ToPublicJwk()));
        Assert.Contains("\"d\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToPublicJwks_Any_HoldsNoPrivateMembers()
    {
        using var key = ClientSigningKey.FromPem(KeyGenerator.Generate("RS384").PrivateKeyPem);
        using var jwks = JsonDocument.Parse(key.ToPublicJwks());
        var jwk = jwks.RootElement.GetProperty("keys")[0];
        foreach (var secret in new[] { "d", "p", "q", "dp", "dq", "qi" })
        {
            Assert.False(jwk.TryGetProperty(secret, out _), secret);
        }
    }

    [Fact]
    public void Load_JwkFileWithKid_UsesItsKidAndAlg()
    {
        using var source = ClientSigningKey.FromPem(KeyGenerator.Generate("ES384").PrivateKeyPem, "my-kid");
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, source.ToPrivateJwk());
            using var loaded = ClientSigningKey.Load(path);
            Assert.Equal(("my-kid", "ES384"), (loaded.KeyId, loaded.Algorithm));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Load_PathWithDotDot_SourcePathIsTheFullPath()
    {
        var folder = Directory.CreateTempSubdirectory("fhir-bulk-key-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "key.pem"), KeyGenerator.Generate("ES384").PrivateKeyPem);
            using var loaded = ClientSigningKey.Load(Path.Combine(folder, "sub", "..", "key.pem"));
            Assert.Equal(Path.Combine(folder, "key.pem"), loaded.SourcePath);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void FromText_PemJwkAndJwks_SameKeyAndNoSourcePath()
    {
        using var source = ClientSigningKey.FromPem(KeyGenerator.Generate("ES384").PrivateKeyPem, "k1");

        using var fromPem = ClientSigningKey.FromText(source.ToPrivatePem(), "k1");
        using var fromJwk = ClientSigningKey.FromText(source.ToPrivateJwk());
        using var fromJwks = ClientSigningKey.FromText($"{{\"keys\":[{source.ToPrivateJwk()}]}}", "k1");

        Assert.All([fromPem, fromJwk, fromJwks], key => Assert.Equal((source.ToPublicJwk(), (string?)null), (key.ToPublicJwk(), key.SourcePath)));
    }
}
