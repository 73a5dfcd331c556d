using FhirBulk.Server.Tests.Support;

namespace FhirBulk.Server.Tests.Fhir;

public class MetadataTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Metadata_Unauthenticated_ListsExportOperationsAndOAuthUris()
    {
        using var response = await fixture.Http.SendAsync(fixture.Get(fixture.Server.BaseUri + "/metadata", null));
        Assert.Equal("application/fhir+json", response.Content.Headers.ContentType?.MediaType);
        var rest = (await HttpAssert.JsonAsync(response)).GetProperty("rest")[0];
        Assert.Contains(rest.GetProperty("operation").EnumerateArray(), o => o.GetProperty("name").GetString() == "export");
        var resources = rest.GetProperty("resource").EnumerateArray().ToDictionary(r => r.GetProperty("type").GetString()!);
        Assert.EndsWith("group-export", resources["Group"].GetProperty("operation")[0].GetProperty("definition").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("patient-export", resources["Patient"].GetProperty("operation")[0].GetProperty("definition").GetString(), StringComparison.Ordinal);
        var uris = rest.GetProperty("security").GetProperty("extension")[0].GetProperty("extension").EnumerateArray()
            .ToDictionary(e => e.GetProperty("url").GetString()!, e => e.GetProperty("valueUri").GetString());
        Assert.Equal(fixture.Server.TokenEndpoint.ToString(), uris["token"]);
        Assert.Equal(fixture.Server.RegistrationEndpoint.ToString(), uris["register"]);
    }

    [Fact]
    public async Task SmartConfiguration_Unauthenticated_AdvertisesBackendServices()
    {
        using var response = await fixture.Http.SendAsync(fixture.Get(fixture.Server.BaseUri + "/.well-known/smart-configuration", null));
        var config = await HttpAssert.JsonAsync(response);
        Assert.Equal(fixture.Server.TokenEndpoint.ToString(), config.GetProperty("token_endpoint").GetString());
        Assert.Equal(fixture.Server.RegistrationEndpoint.ToString(), config.GetProperty("registration_endpoint").GetString());
        Assert.Contains("private_key_jwt", config.GetProperty("token_endpoint_auth_methods_supported").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["RS384", "ES384"], config.GetProperty("token_endpoint_auth_signing_alg_values_supported").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("system/*.rs", config.GetProperty("scopes_supported").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("client-confidential-asymmetric", config.GetProperty("capabilities").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task GroupSearch_WithToken_SearchsetOfEveryGroup()
    {
        using var response = await fixture.Http.SendAsync(fixture.Get(fixture.Server.BaseUri + "/Group", await fixture.TokenAsync()));
        var bundle = await HttpAssert.JsonAsync(response);
        var reference = await fixture.ReferenceDataAsync();
        Assert.Equal(reference["Group"].Count, bundle.GetProperty("total").GetInt32());
        Assert.All(bundle.GetProperty("entry").EnumerateArray(), e =>
            Assert.Equal($"{fixture.Server.BaseUri}/Group/{e.GetProperty("resource").GetProperty("id").GetString()}", e.GetProperty("fullUrl").GetString()));
    }
}
