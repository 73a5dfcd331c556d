using System.Net;
using FhirBulk.Server.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace FhirBulk.Server.Tests.Auth;

public class RegistrationTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Register_JwksForm_ReturnsClientIdThatCanGetTokens()
    {
        using var keys = TestKeys.Ec("dev-key");
        using var response = await fixture.Http.PostAsync(fixture.Server.RegistrationEndpoint,
            new FormUrlEncodedContent(new Dictionary<string, string> { ["jwks"] = keys.PublicJwks() }));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var clientId = await response.Content.ReadAsStringAsync();
        using var token = await fixture.RequestTokenAsync(fixture.Assertion(clientId).Sign(keys));
        Assert.Equal(HttpStatusCode.OK, token.StatusCode);
    }

    [Fact]
    public async Task Register_JwksUrl_KeysFetchedAtTokenTime()
    {
        using var keys = TestKeys.Rsa("url-key");
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        await using var jwksHost = builder.Build();
        jwksHost.Run(context => context.Response.WriteAsync(keys.PublicJwks()));
        await jwksHost.StartAsync();
        var jwksUrl = jwksHost.Urls.Single() + "/jwks.json";

        using var response = await fixture.Http.PostAsync(fixture.Server.RegistrationEndpoint,
            new FormUrlEncodedContent(new Dictionary<string, string> { ["jwks_url"] = jwksUrl }));
        var clientId = await response.Content.ReadAsStringAsync();
        using var token = await fixture.RequestTokenAsync(fixture.Assertion(clientId).Sign(keys));
        Assert.Equal(HttpStatusCode.OK, token.StatusCode);
        await jwksHost.StopAsync();
    }

    [Theory]
    [InlineData("jwks", "{\"keys\":[]}")]
    [InlineData("jwks", "not json")]
    [InlineData("jwks_url", "ftp://example/keys")]
    [InlineData("other", "x")]
    public async Task Register_BadInput_BadRequest(string field, string value)
    {
        using var response = await fixture.Http.PostAsync(fixture.Server.RegistrationEndpoint,
            new FormUrlEncodedContent(new Dictionary<string, string> { [field] = value }));
        await HttpAssert.AssertOAuthErrorAsync(response, 400, "invalid_client_metadata");
    }
}
