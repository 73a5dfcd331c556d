using System.Text.Json;
using FhirBulk.Auth;

namespace FhirBulk.Tests.Auth;

public class KeyGeneratorTests
{
    [Theory]
    [InlineData("RS384", "RSA")]
    [InlineData("es384", "EC")]
    public void Generate_Algorithm_PublicJwksCarriesKidAlgAndKeyType(string algorithm, string kty)
    {
        var pair = KeyGenerator.Generate(algorithm);

        using var jwks = JsonDocument.Parse(pair.PublicJwks);
        var jwk = jwks.RootElement.GetProperty("keys")[0];
        Assert.Equal(kty, jwk.GetProperty("kty").GetString());
        Assert.Equal(pair.KeyId, jwk.GetProperty("kid").GetString());
        Assert.Equal(algorithm.ToUpperInvariant(), jwk.GetProperty("alg").GetString());
        using var reloaded = ClientSigningKey.FromPem(pair.PrivateKeyPem);
        Assert.Equal(pair.KeyId, reloaded.KeyId);
    }

    [Fact]
    public void Generate_UnsupportedAlgorithm_Throws() => Assert.Throws<ArgumentException>(() => KeyGenerator.Generate("HS256"));
}
