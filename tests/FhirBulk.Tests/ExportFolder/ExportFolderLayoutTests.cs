using FhirBulk.Export;
using FhirBulk.ExportFolder;

namespace FhirBulk.Tests.ExportFolder;

public class ExportFolderLayoutTests
{
    [Fact]
    public void Plan_Manifest_NumbersFilesPerTypeAndFolder()
    {
        var manifest = ExportManifest.Parse("""
            {"transactionTime":"2026-01-01T00:00:00Z","requiresAccessToken":true,
             "output":[{"type":"Patient","url":"u1"},{"type":"Observation","url":"u2"},{"type":"Patient","url":"u3"}],
             "error":[{"type":"OperationOutcome","url":"e1"}],"deleted":[{"type":"Bundle","url":"d1"}]}
            """u8);

        var names = ExportFolderLayout.Plan(manifest).Select(f => f.FileName);

        Assert.Equal(["Patient.001.ndjson", "Observation.001.ndjson", "Patient.002.ndjson", "error/OperationOutcome.001.ndjson", "deleted/Bundle.001.ndjson"], names);
    }

    [Theory]
    [InlineData("../../x")]
    [InlineData("..")]
    [InlineData("/etc/passwd")]
    [InlineData("C:\\Windows")]
    [InlineData("Patient/../../x")]
    [InlineData("")]
    [InlineData("patient")]
    public void SafeType_HostileType_BecomesUnknown(string type) => Assert.Equal("Unknown", ExportFolderLayout.SafeType(type));

    [Fact]
    public void FullPath_NameEscapingTheFolder_Throws() =>
        Assert.Throws<ExportFolderException>(() => ExportFolderLayout.FullPath(Path.GetTempPath(), "../x.ndjson"));
}
