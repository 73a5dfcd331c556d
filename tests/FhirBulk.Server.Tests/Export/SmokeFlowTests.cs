using FhirBulk.Server.Tests.Support;

namespace FhirBulk.Server.Tests.Export;

public class SmokeFlowTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task PatientExport_WithToken_ReturnsManifestAndFiles()
    {
        var token = await fixture.TokenAsync();
        var manifest = await fixture.ExportAsync("/Patient/$export?_type=Patient,Condition", token);
        Assert.True(manifest.GetProperty("requiresAccessToken").GetBoolean());
        var patients = await fixture.DownloadAsync(manifest, "Patient", token);
        Assert.Equal(40, patients.Count);
        var conditions = await fixture.DownloadAsync(manifest, "Condition", token);
        Assert.NotEmpty(conditions);
    }
}
