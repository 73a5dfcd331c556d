using FhirBulk.Server.Tests.Support;

namespace FhirBulk.Server.Tests.Export;

public sealed class OpenServerFixture : ServerFixture
{
    protected override BulkDataServerOptions CreateOptions() => new() { Patients = 5, Seed = 2, RequireAuth = false };
}

public class OpenServerTests(OpenServerFixture fixture) : IClassFixture<OpenServerFixture>
{
    [Fact]
    public async Task NoAuth_ExportAndDownloadWithoutToken_RequiresAccessTokenFalse()
    {
        var manifest = await fixture.ExportAsync("/Patient/$export?_type=Patient", null);
        Assert.False(manifest.GetProperty("requiresAccessToken").GetBoolean());
        Assert.Equal(5, (await fixture.DownloadAsync(manifest, "Patient", null)).Count);
    }

    [Fact]
    public async Task NoAuth_Metadata_HasNoSecurityBlock()
    {
        using var response = await fixture.Http.SendAsync(fixture.Get(fixture.Server.BaseUri + "/metadata", null));
        var statement = await HttpAssert.JsonAsync(response);
        Assert.False(statement.GetProperty("rest")[0].TryGetProperty("security", out _));
    }
}

public sealed class CapabilityUrlFixture : ServerFixture
{
    protected override BulkDataServerOptions CreateOptions() => new() { Patients = 5, Seed = 2, CapabilityUrls = true };
}

public class CapabilityUrlTests(CapabilityUrlFixture fixture) : IClassFixture<CapabilityUrlFixture>
{
    [Fact]
    public async Task CapabilityUrls_FilesOnSecondOriginWithoutToken_TokenThereIsALeak()
    {
        var token = await fixture.TokenAsync();
        var manifest = await fixture.ExportAsync("/Patient/$export?_type=Patient", token);
        Assert.False(manifest.GetProperty("requiresAccessToken").GetBoolean());
        var url = manifest.GetProperty("output")[0].GetProperty("url").GetString()!;
        Assert.StartsWith(fixture.Server.SecondOrigin.ToString(), url, StringComparison.Ordinal);
        Assert.NotEqual(fixture.Server.BaseUri.Port, new Uri(url).Port);

        Assert.Equal(5, (await fixture.DownloadAsync(manifest, "Patient", null)).Count);
        Assert.Equal(0, fixture.Server.LeakedTokenCount);

        using var leaked = await fixture.Http.SendAsync(fixture.Get(url, token));
        await HttpAssert.AssertOutcomeAsync(leaked, 400);
        Assert.Equal(1, fixture.Server.LeakedTokenCount);

        using var api = await fixture.Http.SendAsync(fixture.Get(fixture.Server.SecondOrigin + "fhir/metadata", null));
        await HttpAssert.AssertOutcomeAsync(api, 404);

        using var forged = await fixture.Http.SendAsync(fixture.Get(url[..url.IndexOf("sig=", StringComparison.Ordinal)] + "sig=AAAA", null));
        await HttpAssert.AssertOutcomeAsync(forged, 404);
    }
}
