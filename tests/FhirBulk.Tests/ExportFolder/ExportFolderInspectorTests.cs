using FhirBulk.ExportFolder;

namespace FhirBulk.Tests.ExportFolder;

public sealed class ExportFolderInspectorTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("fhirbulk-inspect-").FullName;

    [Fact]
    public async Task InspectAsync_ExportFolder_RealCountsManifestCountsErrorsAndDeleted()
    {
        File.WriteAllLines(Path.Combine(folder, "Patient.000.ndjson"), ["""{"resourceType":"Patient","id":"a"}""", """{"resourceType":"Patient","id":"b"}"""]);
        File.WriteAllLines(Path.Combine(folder, "Patient.001.ndjson"), ["""{"resourceType":"Patient","id":"c"}"""]);
        Directory.CreateDirectory(Path.Combine(folder, "error"));
        File.WriteAllLines(Path.Combine(folder, "error", "OperationOutcome.000.ndjson"), ["""{"resourceType":"OperationOutcome","issue":[]}"""]);
        Directory.CreateDirectory(Path.Combine(folder, "deleted"));
        File.WriteAllLines(Path.Combine(folder, "deleted", "Bundle.000.ndjson"), ["""{"resourceType":"Bundle","type":"transaction"}"""]);
        File.WriteAllText(Path.Combine(folder, "manifest.json"), """
            {"transactionTime":"2026-01-02T03:04:05Z","request":"http://s/fhir/$export",
             "output":[{"type":"Patient","url":"u1","count":2},{"type":"Patient","url":"u2","count":2}]}
            """);

        var summary = await ExportFolderInspector.InspectAsync(folder);

        Assert.Equal(new Dictionary<string, long> { ["Patient"] = 3 }, summary.ResourcesByType);
        Assert.Equal(4, summary.ManifestCounts["Patient"]);
        Assert.Equal([("Patient", 4L, 3L)], summary.ManifestCountMismatches);
        Assert.Equal(1, summary.Errors);
        Assert.Equal(1, summary.DeletedFiles.Sum(f => f.Resources));
        Assert.Equal(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero), summary.TransactionTime);
        Assert.Equal(2, summary.Files.Count);
    }

    [Theory]
    [InlineData("information", false)]
    [InlineData("warning", false)]
    [InlineData("error", true)]
    [InlineData("fatal", true)]
    public async Task InspectAsync_ErrorFileIssues_CountedBySeverityAndOnlyErrorsAreServerErrors(string severity, bool serverErrors)
    {
        Directory.CreateDirectory(Path.Combine(folder, "error"));
        File.WriteAllLines(Path.Combine(folder, "error", "OperationOutcome.001.ndjson"), [$$"""{"resourceType":"OperationOutcome","issue":[{"severity":"{{severity}}","code":"informational"},{"severity":"{{severity}}","code":"processing"}]}"""]);

        var summary = await ExportFolderInspector.InspectAsync(folder);

        Assert.Equal(new Dictionary<string, long> { [severity] = 2 }, summary.ErrorIssues);
        Assert.Equal(serverErrors, summary.HasServerErrors);
    }

    [Fact]
    public async Task InspectAsync_ManifestNotJson_ExportFolderErrorNamingTheFile()
    {
        File.WriteAllText(Path.Combine(folder, "manifest.json"), "{not json");

        var error = await Assert.ThrowsAsync<ExportFolderException>(() => ExportFolderInspector.InspectAsync(folder));

        Assert.Contains(Path.Combine(folder, "manifest.json"), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InspectAsync_NoManifestAndMalformedLine_CountsWhatIsThereAndReportsTheLine()
    {
        File.WriteAllLines(Path.Combine(folder, "Condition.ndjson"), ["""{"resourceType":"Condition","id":"a"}""", "not json"]);

        var summary = await ExportFolderInspector.InspectAsync(folder);

        Assert.Null(summary.TransactionTime);
        Assert.Empty(summary.ManifestCounts);
        Assert.Equal(1, summary.ResourcesByType["Condition"]);
        Assert.Equal(1, summary.MalformedLines.Count);
        Assert.Equal(2, summary.MalformedLines.Examples[0].LineNumber);
    }

    [Fact]
    public async Task InspectAsync_MissingFolder_DirectoryNotFound()
    {
        await Assert.ThrowsAsync<DirectoryNotFoundException>(() => ExportFolderInspector.InspectAsync(Path.Combine(folder, "none")));
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);
}
