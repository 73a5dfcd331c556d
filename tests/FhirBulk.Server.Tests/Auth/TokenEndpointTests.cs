using FhirBulk.Server.Tests.Support;

namespace FhirBulk.Server.Tests.Auth;

public class TokenEndpointTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Token_ValidRs384Assertion_IssuesBearerToken()
    {
        using var response = await fixture.RequestTokenAsync(fixture.Assertion().Sign(fixture.RsaKeys));
        var json = await HttpAssert.JsonAsync(response);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("bearer", json.GetProperty("token_type").GetString());
        Assert.Equal(300, json.GetProperty("expires_in").GetInt32());
        Assert.Equal("system/*.read", json.GetProperty("scope").GetString());
        Assert.False(string.IsNullOrEmpty(json.GetProperty("access_token").GetString()));
    }

    [Fact]
    public async Task Token_ValidEs384Assertion_IssuesBearerToken()
    {
        using var response = await fixture.RequestTokenAsync(fixture.Assertion(fixture.EcClientId).Sign(fixture.EcKeys), "system/*.rs");
        var json = await HttpAssert.JsonAsync(response);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("system/*.rs", json.GetProperty("scope").GetString());
    }

    [Fact]
    public async Task Token_ReplayedJti_InvalidGrant()
    {
        var assertion = fixture.Assertion() with { Jti = Guid.NewGuid().ToString() };
        using var first = await fixture.RequestTokenAsync(assertion.Sign(fixture.RsaKeys));
        Assert.Equal(200, (int)first.StatusCode);
        using var second = await fixture.RequestTokenAsync(assertion.Sign(fixture.RsaKeys));
        Assert.Contains("jti", await HttpAssert.AssertOAuthErrorAsync(second, 400, "invalid_grant"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_SignedByWrongKeyWithRegisteredKid_InvalidClient()
    {
        using var other = TestKeys.Rsa(fixture.RsaKeys.Kid);
        using var response = await fixture.RequestTokenAsync(fixture.Assertion().Sign(other));
        Assert.Contains("signature", await HttpAssert.AssertOAuthErrorAsync(response, 401, "invalid_client"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_UnknownKid_InvalidClient()
    {
        using var response = await fixture.RequestTokenAsync(fixture.Assertion().Sign(fixture.RsaKeys, kid: "nope"));
        Assert.Contains("kid", await HttpAssert.AssertOAuthErrorAsync(response, 401, "invalid_client"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_ExpMoreThanFiveMinutesAhead_InvalidGrant()
    {
        using var response = await fixture.RequestTokenAsync((fixture.Assertion() with { ExpiresIn = TimeSpan.FromMinutes(10) }).Sign(fixture.RsaKeys));
        Assert.Contains("five minutes", await HttpAssert.AssertOAuthErrorAsync(response, 400, "invalid_grant"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_ExpiredAssertion_InvalidGrant()
    {
        using var response = await fixture.RequestTokenAsync((fixture.Assertion() with { ExpiresIn = TimeSpan.FromMinutes(-1) }).Sign(fixture.RsaKeys));
        Assert.Contains("expired", await HttpAssert.AssertOAuthErrorAsync(response, 400, "invalid_grant"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(100_000_000_000_000, "five minutes")]
    [InlineData(-100_000_000_000_000, "expired")]
    public async Task Token_ExpBeyondDateRange_InvalidGrantNotA500(long exp, string reason)
    {
        // Regression: DateTimeOffset.FromUnixTimeSeconds threw for an exp outside years 1..9999.
        using var response = await fixture.RequestTokenAsync((fixture.Assertion() with { ExpiresIn = null, RawExp = exp }).Sign(fixture.RsaKeys));
        Assert.Contains(reason, await HttpAssert.AssertOAuthErrorAsync(response, 400, "invalid_grant"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_MissingExp_InvalidGrant()
    {
        using var response = await fixture.RequestTokenAsync((fixture.Assertion() with { ExpiresIn = null }).Sign(fixture.RsaKeys));
        Assert.Contains("exp", await HttpAssert.AssertOAuthErrorAsync(response, 400, "invalid_grant"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_MissingJti_AcceptedOnceLikeThePublicServer()
    {
        var assertion = (fixture.Assertion() with { Jti = null }).Sign(fixture.RsaKeys);
        using var first = await fixture.RequestTokenAsync(assertion);
        Assert.Equal(200, (int)first.StatusCode);
        using var replay = await fixture.RequestTokenAsync(assertion);
        Assert.Contains("already been used", await HttpAssert.AssertOAuthErrorAsync(replay, 400, "invalid_grant"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_MissingJtiWhenRequired_InvalidGrant()
    {
        await using var strict = await BulkDataServer.StartAsync(new BulkDataServerOptions { Patients = 1, RequireJti = true });
        var clientId = strict.RegisterClient(fixture.RsaKeys.PublicJwks());
        var assertion = new AssertionSpec(clientId, strict.TokenEndpoint.ToString()) { Jti = null };
        using var response = await fixture.RequestTokenAsync(assertion.Sign(fixture.RsaKeys), tokenEndpoint: strict.TokenEndpoint);
        Assert.Contains("jti", await HttpAssert.AssertOAuthErrorAsync(response, 400, "invalid_grant"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_WrongAudience_InvalidGrant()
    {
        var assertion = new AssertionSpec(fixture.RsaClientId, fixture.Server.BaseUri.ToString());
        using var response = await fixture.RequestTokenAsync(assertion.Sign(fixture.RsaKeys));
        Assert.Contains("aud", await HttpAssert.AssertOAuthErrorAsync(response, 400, "invalid_grant"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_UnsignedAssertion_InvalidClient()
    {
        using var response = await fixture.RequestTokenAsync(fixture.Assertion().Unsigned(fixture.RsaKeys.Kid));
        Assert.Contains("none", await HttpAssert.AssertOAuthErrorAsync(response, 401, "invalid_client"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_Hs384SignedWithPublicKey_InvalidClient()
    {
        // Algorithm confusion: an HMAC "signature" keyed with the client's public RSA key.
        using var response = await fixture.RequestTokenAsync(fixture.Assertion().SignSymmetric(fixture.RsaKeys.PublicKeyBytes, fixture.RsaKeys.Kid));
        Assert.Contains("HS384", await HttpAssert.AssertOAuthErrorAsync(response, 401, "invalid_client"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_Es384HeaderOnRsaKid_InvalidClient()
    {
        // An EC signature presented under the RSA key's kid must not be checked against that key.
        using var ec = TestKeys.Ec(fixture.RsaKeys.Kid);
        using var response = await fixture.RequestTokenAsync(fixture.Assertion().Sign(ec));
        Assert.Contains("cannot verify", await HttpAssert.AssertOAuthErrorAsync(response, 401, "invalid_client"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_UnknownClient_InvalidClient()
    {
        using var response = await fixture.RequestTokenAsync(new AssertionSpec("stranger", fixture.Server.TokenEndpoint.ToString()).Sign(fixture.RsaKeys));
        Assert.Contains("not registered", await HttpAssert.AssertOAuthErrorAsync(response, 401, "invalid_client"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_SubjectDiffersFromIssuer_InvalidClient()
    {
        using var response = await fixture.RequestTokenAsync((fixture.Assertion() with { Subject = "someone-else" }).Sign(fixture.RsaKeys));
        await HttpAssert.AssertOAuthErrorAsync(response, 401, "invalid_client");
    }

    [Fact]
    public async Task Token_WrongTyp_InvalidClient()
    {
        using var response = await fixture.RequestTokenAsync((fixture.Assertion() with { TokenType = "at+jwt" }).Sign(fixture.RsaKeys));
        Assert.Contains("typ", await HttpAssert.AssertOAuthErrorAsync(response, 401, "invalid_client"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_GarbageAssertion_InvalidClient()
    {
        using var response = await fixture.RequestTokenAsync("not-a-jwt");
        await HttpAssert.AssertOAuthErrorAsync(response, 401, "invalid_client");
    }

    [Theory]
    [InlineData("system/*.write")]
    [InlineData("system/*.cruds")]
    [InlineData("user/*.read")]
    [InlineData("launch")]
    [InlineData("system/Patient.xyz")]
    [InlineData("")]
    public async Task Token_ScopeOutsideAllowedOrMalformed_InvalidScope(string scope)
    {
        using var response = await fixture.RequestTokenAsync(fixture.Assertion().Sign(fixture.RsaKeys), scope);
        await HttpAssert.AssertOAuthErrorAsync(response, 400, "invalid_scope");
    }

    [Theory]
    [InlineData("system/Patient.read")]
    [InlineData("system/Observation.rs system/Patient.r")]
    [InlineData("system/*.s")]
    public async Task Token_ScopeWithinDefaultAllowed_Granted(string scope)
    {
        using var response = await fixture.RequestTokenAsync(fixture.Assertion().Sign(fixture.RsaKeys), scope);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal(scope, (await HttpAssert.JsonAsync(response)).GetProperty("scope").GetString());
    }

    [Fact]
    public async Task Token_ClientRestrictedToPatient_CannotGetAllTypes()
    {
        using var keys = TestKeys.Rsa();
        var clientId = fixture.Server.RegisterClient(keys.PublicJwks(), "system/Patient.read");
        using var refused = await fixture.RequestTokenAsync(fixture.Assertion(clientId).Sign(keys), "system/*.read");
        await HttpAssert.AssertOAuthErrorAsync(refused, 400, "invalid_scope");
        using var granted = await fixture.RequestTokenAsync(fixture.Assertion(clientId).Sign(keys), "system/Patient.rs");
        Assert.Equal(200, (int)granted.StatusCode);
    }

    [Fact]
    public async Task Token_WrongGrantType_UnsupportedGrantType()
    {
        using var response = await fixture.Http.PostAsync(fixture.Server.TokenEndpoint, new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "password" }));
        await HttpAssert.AssertOAuthErrorAsync(response, 400, "unsupported_grant_type");
    }

    [Fact]
    public async Task Token_JsonBody_InvalidRequest()
    {
        using var response = await fixture.Http.PostAsync(fixture.Server.TokenEndpoint, new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
        await HttpAssert.AssertOAuthErrorAsync(response, 400, "invalid_request");
    }
}
