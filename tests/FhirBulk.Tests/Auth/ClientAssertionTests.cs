using System.Text.Json;
using FhirBulk.Auth;
using FhirBulk.Tests.Support;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace FhirBulk.Tests.Auth;

public class ClientAssertionTests
{
    private static readonly Uri TokenEndpoint = new("https://auth.example.org/token");

    [Theory]
    [InlineData("RS384")]
    [InlineData("ES384")]
    public async Task Create_GeneratedKey_VerifiesAgainstItsPublicJwks(string algorithm)
    {
        var pair = KeyGenerator.Generate(algorithm);
        using var key = ClientSigningKey.FromPem(pair.PrivateKeyPem, pair.KeyId);

        var assertion = ClientAssertion.Create("client-1", TokenEndpoint, key, DateTimeOffset.UtcNow);

        var result = await ValidateAsync(assertion, "client-1", new JsonWebKeySet(pair.PublicJwks).Keys);
        Assert.True(result.IsValid, result.Exception?.Message);
    }

    [Fact]
    public void Create_Any_HasTheClaimsAndHeaderSmartBackendServicesRequires()
    {
        using var key = ClientSigningKey.FromPem(KeyGenerator.Generate("RS384").PrivateKeyPem, "kid-9");
        var now = new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

        var token = new JsonWebToken(ClientAssertion.Create("client-1", TokenEndpoint, key, now));

        Assert.Equal(("RS384", "kid-9", "JWT"), (token.Alg, token.Kid, token.Typ));
        Assert.Equal(("client-1", "client-1"), (token.Issuer, token.Subject));
        Assert.Equal([TokenEndpoint.AbsoluteUri], token.Audiences);
        Assert.True(token.ValidTo <= now.AddMinutes(5).UtcDateTime && token.ValidTo > now.UtcDateTime);
        Assert.False(string.IsNullOrEmpty(token.Id));
    }

    [Fact]
    public void Create_TwiceAtTheSameInstant_HasDistinctJti()
    {
        using var key = ClientSigningKey.FromPem(KeyGenerator.Generate("ES384").PrivateKeyPem);
        var now = DateTimeOffset.UtcNow;
        Assert.NotEqual(new JsonWebToken(ClientAssertion.Create("c", TokenEndpoint, key, now)).Id, new JsonWebToken(ClientAssertion.Create("c", TokenEndpoint, key, now)).Id);
    }

    [SharedFileFact("seed/fhir-bulk-data-workshop.txt")]
    public async Task Create_SeedCredentials_VerifiesAgainstJwksInsideTheSeedClientId()
    {
        var seed = File.ReadAllText(SharedFolder.File("seed/fhir-bulk-data-workshop.txt")!);
        var clientId = Between(seed, "client_id = '", "'");
        var pem = Between(seed, "private_key = \"\"\"", "\"\"\"");
        var kid = Between(seed, "key_id = \"", "\"");
        using var key = ClientSigningKey.FromPem(pem, kid);

        var assertion = ClientAssertion.Create(clientId, TokenEndpoint, key, DateTimeOffset.UtcNow);

        // The seed's client_id is itself a JWT whose payload carries the registered public JWKS.
        var payload = new JsonWebToken(clientId).GetPayloadValue<JsonElement>("jwks");
        var keys = new JsonWebKeySet(payload.GetRawText()).Keys.Where(k => string.IsNullOrEmpty(k.D)).ToList();
        Assert.NotEmpty(keys);
        var result = await ValidateAsync(assertion, clientId, keys);
        Assert.True(result.IsValid, result.Exception?.Message);
        Assert.Equal(("RS384", kid), (new JsonWebToken(assertion).Alg, new JsonWebToken(assertion).Kid));
    }

    private static Task<TokenValidationResult> ValidateAsync(string assertion, string clientId, IEnumerable<SecurityKey> keys) =>
        new JsonWebTokenHandler().ValidateTokenAsync(assertion, new TokenValidationParameters
        {
            ValidIssuer = clientId,
            ValidAudience = TokenEndpoint.AbsoluteUri,
            IssuerSigningKeys = keys,
            ValidateLifetime = true,
        });

    private static string Between(string text, string start, string end)
    {
        var from = text.IndexOf(start, StringComparison.Ordinal);
        Assert.True(from >= 0, $"'{start}' not found in the seed");
        from += start.Length;
        return text[from..text.IndexOf(end, from, StringComparison.Ordinal)];
    }
}
