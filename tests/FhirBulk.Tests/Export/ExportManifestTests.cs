using System.Text.Json;
using FhirBulk.Export;

namespace FhirBulk.Tests.Export;

public class ExportManifestTests
{
    [Fact]
    public void Parse_EveryStu2To4Field_IsModelled()
    {
        var manifest = ExportManifest.Parse("""
            {"transactionTime":"2026-01-01T00:00:00Z","request":"https://x/fhir/$export","requiresAccessToken":false,
             "outputOrganizedBy":"Patient",
             "output":[{"type":"Patient","url":"https://x/1","count":"10","fileSize":1234,"continuesInFile":"https://x/2","extension":{"a":1}}],
             "outcome":[{"type":"OperationOutcome","url":"https://x/e"}],
             "deleted":[],
             "link":[{"relation":"next","url":"https://x/status?page=2"}],
             "extension":[{"url":"x","valueString":"y"}],
             "vendorThing":42}
            """u8);

        var file = Assert.Single(manifest.Output);
        Assert.Equal((10L, 1234L, "https://x/2"), (file.Count, file.FileSize, file.ContinuesInFile));
        Assert.Equal(JsonValueKind.Object, file.Extension!.Value.ValueKind);
        Assert.Equal(JsonValueKind.Array, manifest.Extension!.Value.ValueKind);
        Assert.Equal("https://x/e", Assert.Single(manifest.Error).Url);
        Assert.Equal("https://x/status?page=2", manifest.NextPage);
        Assert.Equal("Patient", manifest.OutputOrganizedBy);
        Assert.Contains("vendorThing", manifest.ToJson(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_NoOptionalLists_GivesEmptyLists()
    {
        var manifest = ExportManifest.Parse("""{"transactionTime":"t","requiresAccessToken":true,"output":[]}"""u8);
        Assert.Empty(manifest.Error);
        Assert.Empty(manifest.Deleted);
        Assert.Null(manifest.NextPage);
    }
}
