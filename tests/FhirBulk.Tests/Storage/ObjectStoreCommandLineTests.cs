using FhirBulk.Export;
using FhirBulk.ExportFolder;
using FhirBulk.Storage;

namespace FhirBulk.Tests.Storage;

/// <summary>
/// The commands messages give for an export must run as printed: an S3-compatible server is reached only through
/// --s3-endpoint, which is not recorded with the export, so a resume command without it went to AWS (issue 13); and a
/// folder whose name a shell splits must be quoted.
/// </summary>
public sealed class ObjectStoreCommandLineTests
{
    [Fact]
    public void S3Endpoint_S3StoreOnAnS3CompatibleServer_IsThatServer()
    {
        using var store = ObjectStore.Create("s3://fhir/run4", new ObjectStoreOptions { S3Endpoint = new Uri("http://127.0.0.1:4569") });

        Assert.Equal(new Uri("http://127.0.0.1:4569/"), store.S3Endpoint);
    }

    [Fact]
    public void S3Endpoint_LocalFolder_None()
    {
        using var store = ObjectStore.Create(Path.GetTempPath());

        Assert.Null(store.S3Endpoint);
    }

    [Fact]
    public void EnsureCompleted_UnfinishedExportOnAnS3CompatibleStore_ResumeCommandCarriesTheEndpoint()
    {
        var error = Assert.Throws<ExportFolderException>(() => Unfinished().EnsureCompleted("s3://fhir/run4/", new Uri("http://127.0.0.1:4569/")));

        Assert.Equal("s3://fhir/run4/ holds an unfinished export (1 of 2 files of its manifest are complete): its tables would lack the rest. Resume it first: fhir-bulk export --resume s3://fhir/run4/ --s3-endpoint http://127.0.0.1:4569/", error.Message);
    }

    [Fact]
    public void EnsureCompleted_UnfinishedExportInAFolderWithASpaceAndAQuote_ResumeCommandQuotesIt()
    {
        var error = Assert.Throws<ExportFolderException>(() => Unfinished().EnsureCompleted("/data/my export's"));

        Assert.EndsWith(@"Resume it first: fhir-bulk export --resume '/data/my export'\''s'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/data/run1", "/data/run1")]
    [InlineData("s3://fhir/run4/", "s3://fhir/run4/")]
    [InlineData("my export", "'my export'")]
    [InlineData("it's", @"'it'\''s'")]
    [InlineData("$HOME", "'$HOME'")]
    [InlineData("", "''")]
    public void Quote_OneShellWord(string word, string quoted) => Assert.Equal(quoted, CommandLineText.Quote(word));

    private static ExportState Unfinished() => new()
    {
        Manifest = new(),
        Files = [new ExportFileState { FileName = "Patient.000.ndjson", Status = ExportFileStatus.Complete }, new ExportFileState { FileName = "Condition.000.ndjson" }],
    };
}
