using FhirBulk.Export;

namespace FhirBulk.Tests.Export;

/// <summary>
/// <see cref="ExportResult.DescribePartial"/>: the one line export's summary ends with and a refused sync increment's error
/// gives, naming what failed and how, and staying one line however much failed.
/// </summary>
public sealed class DescribePartialTests
{
    private static ExportResult CreateSut(params ExportFileState[] files) =>
        new("/tmp/e", new Uri("https://fhir.example/status/1"), null, new ExportManifest(), files, ExportOutcome.PartialSuccess, TimeSpan.Zero, JobDeleted: true);

    private static ExportFileState Output(string fileName, long resources = 5, long invalid = 0, long? declared = null) => new()
    {
        Kind = ExportFileKind.Output, Type = fileName.Split('.')[0], FileName = fileName, Status = ExportFileStatus.Complete,
        Resources = resources, InvalidLines = invalid, DeclaredCount = declared,
    };

    private static ExportFileState ErrorFile(string fileName, long errors, long warnings = 0) => new()
    {
        Kind = ExportFileKind.Error, Type = "OperationOutcome", FileName = fileName, Status = ExportFileStatus.Complete,
        Issues = new Dictionary<string, long> { [ErrorFileIssues.Error] = errors, [ErrorFileIssues.Warning] = warnings },
    };

    [Fact]
    public void DescribePartial_EveryFileComplete_Null()
    {
        Assert.Null(CreateSut(Output("Patient.000.ndjson"), ErrorFile("error/OperationOutcome-warning.000.ndjson", errors: 0, warnings: 2)).DescribePartial());
    }

    [Fact]
    public void DescribePartial_ServerErrorIssues_CountsThemAndNamesTheErrorFilesHoldingThemOnly()
    {
        var text = CreateSut(
            Output("Patient.000.ndjson"),
            ErrorFile("error/OperationOutcome.000.ndjson", errors: 2),
            ErrorFile("error/OperationOutcome-warning.000.ndjson", errors: 0, warnings: 3)).DescribePartial();

        Assert.Equal("the server reported 2 error issues (read error/OperationOutcome.000.ndjson)", text);
    }

    [Fact]
    public void DescribePartial_InvalidLinesInOneType_NamesTheType()
    {
        var text = CreateSut(Output("Condition.000.ndjson", invalid: 2), Output("Condition.001.ndjson", invalid: 1), Output("Patient.000.ndjson")).DescribePartial();

        Assert.Equal("3 invalid lines skipped in Condition (listed in log.ndjson)", text);
    }

    [Fact]
    public void DescribePartial_InvalidLinesInSeveralTypesAndADeletedFile_NamesEachWithItsCount()
    {
        var deleted = Output("deleted/Bundle.000.ndjson", invalid: 1);
        deleted.Kind = ExportFileKind.Deleted;

        var text = CreateSut(Output("Condition.000.ndjson", invalid: 3), Output("Observation.000.ndjson", invalid: 1), deleted).DescribePartial();

        Assert.Equal("5 invalid lines skipped in Condition (3), Observation (1), deleted/Bundle.000.ndjson (1) (listed in log.ndjson)", text);
    }

    [Fact]
    public void DescribePartial_CountMismatch_NamesTheFileWithWhatItHeldAndWhatTheManifestSaid()
    {
        var text = CreateSut(Output("Observation.001.ndjson", resources: 9, declared: 10), Output("Patient.000.ndjson", declared: 5)).DescribePartial();

        Assert.Equal("1 file holding another count than the manifest's (Observation.001.ndjson: 9 instead of 10)", text);
    }

    [Fact]
    public void DescribePartial_EveryKindAndManyFiles_OneLineNamingThreeOfEachAndCountingTheRest()
    {
        var text = CreateSut(
            [.. Enumerable.Range(0, 5).Select(i => ErrorFile($"error/OperationOutcome.{i:D3}.ndjson", errors: 1)),
             .. ((string[])["Condition", "Encounter", "Observation", "Procedure"]).Select(t => Output($"{t}.000.ndjson", invalid: 1)),
             .. Enumerable.Range(0, 4).Select(i => Output($"Patient.{i:D3}.ndjson", resources: 4, declared: 5))]).DescribePartial();

        Assert.Equal(
            "the server reported 5 error issues (read error/OperationOutcome.000.ndjson, error/OperationOutcome.001.ndjson, error/OperationOutcome.002.ndjson and 2 more); "
            + "4 invalid lines skipped in Condition (1), Encounter (1), Observation (1) and 1 more (listed in log.ndjson); "
            + "4 files holding another count than the manifest's (Patient.000.ndjson: 4 instead of 5, Patient.001.ndjson: 4 instead of 5, Patient.002.ndjson: 4 instead of 5 and 1 more)",
            text);
    }
}
