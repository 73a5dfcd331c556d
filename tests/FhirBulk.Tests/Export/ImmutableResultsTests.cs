using System.Collections;
using FhirBulk.Export;

namespace FhirBulk.Tests.Export;

/// <summary>Public results are immutable: what an export hands out cannot be changed through it.</summary>
public sealed class ImmutableResultsTests
{
    [Theory]
    [InlineData(typeof(ExportFileState))]
    [InlineData(typeof(ExportManifest))]
    [InlineData(typeof(ManifestFile))]
    [InlineData(typeof(ManifestLink))]
    public void ResultType_HasNoPublicSetterAndNoMutableCollection(Type type)
    {
        var properties = type.GetProperties();

        Assert.Empty(properties.Where(p => p.SetMethod is { IsPublic: true }).Select(p => p.Name));
        Assert.Empty(properties.Where(p => p.PropertyType != typeof(string) && typeof(IEnumerable).IsAssignableFrom(p.PropertyType)
            && (p.PropertyType.IsClass || !p.PropertyType.Name.StartsWith("IReadOnly", StringComparison.Ordinal))).Select(p => p.Name));
    }

    [Fact]
    public void Parse_ManifestOfSeveralPagesStoredAndReadBack_KeepsEveryFileAndUnknownMember()
    {
        var manifest = ExportManifest.Parse("""
            {"transactionTime":"t","requiresAccessToken":false,"vendorThing":42,
             "output":[{"type":"Patient","url":"https://x/1","vendorFile":"v"}],"outcome":[{"type":"OperationOutcome","url":"https://x/e"}],
             "link":[{"relation":"next","url":"https://x/status?page=2"}]}
            """u8);
        manifest.Append(ExportManifest.Parse("""{"transactionTime":"t","requiresAccessToken":false,"output":[{"type":"Condition","url":"https://x/2"}]}"""u8));

        var read = ExportManifest.Parse(System.Text.Encoding.UTF8.GetBytes(manifest.ToJson()));

        Assert.Equal(["https://x/1", "https://x/2"], read.Output.Select(f => f.Url));
        Assert.Equal("https://x/e", Assert.Single(read.Error).Url);
        Assert.Equal(42, read.AdditionalProperties!["vendorThing"].GetInt32());
        Assert.Equal("v", read.Output[0].AdditionalProperties!["vendorFile"].GetString());
        Assert.Null(read.NextPage);
    }
}
