using FhirBulk.Export;
using FhirBulk.ExportFolder;
using FhirBulk.Storage;

namespace FhirBulk.Tests.Storage;

/// <summary>
/// The commands messages give for a store must run as printed: an S3-compatible server is reached only through
/// --s3-endpoint, which is not recorded with the export, so a resume command without it went to AWS (issue 13).
/// </summary>
public sealed class ObjectStoreCommandLineTests
{
    [Fact]
    public void CommandLineOptions_S3WithEndpoint_NamesTheEndpoint()
    {
        using var store = ObjectStore.Create("s3://fhir/run4", new ObjectStoreOptions { S3Endpoint = new Uri("http://127.0.0.1:4569") });

        Assert.Equal(" --s3-endpoint http://127.0.0.1:4569/", store.CommandLineOptions);
    }

    [Fact]
    public void CommandLineOptions_LocalFolder_Nothing()
    {
        using var store = ObjectStore.Create(Path.GetTempPath());

        Assert.Equal("", store.CommandLineOptions);
    }

    [Fact]
    public void EnsureCompleted_UnfinishedExportOnAnS3CompatibleStore_ResumeCommandCarriesTheEndpoint()
    {
        var state = new ExportState { Manifest = new(), Files = [new ExportFileState { FileName = "Patient.000.ndjson", Status = ExportFileStatus.Complete }, new ExportFileState { FileName = "Condition.000.ndjson" }] };

        var error = Assert.Throws<ExportFolderException>(() => state.EnsureCompleted("s3://fhir/run4/", " --s3-endpoint http://127.0.0.1:4569/"));

        Assert.Equal("s3://fhir/run4/ holds an unfinished export (1 of 2 files of its manifest are complete): its tables would lack the rest. Resume it first: fhir-bulk export --resume s3://fhir/run4/ --s3-endpoint http://127.0.0.1:4569/", error.Message);
    }
}
