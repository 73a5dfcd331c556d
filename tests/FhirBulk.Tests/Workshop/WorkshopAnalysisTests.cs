using FhirBulk.Ndjson;
using FhirBulk.Views;
using FhirBulk.Workshop;

namespace FhirBulk.Tests.Workshop;

public sealed class WorkshopAnalysisTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("fhirbulk-workshop-").FullName;

    [Fact]
    public async Task RunAsync_ReferencesRelativeAndUrnUuid_EncounterTypesJoinThroughReferenceKeys()
    {
        Write("Encounter", Encounter("e1", "A", "Check up"), Encounter("e2", "B", "Symptom"));
        Write("MedicationRequest",
            Request("m1", "p1", "Encounter/e1", "860975"),
            Request("m2", "p1", "urn:uuid:e2", "860975"),
            Request("m3", "p2", "urn:uuid:e2", "860975"),
            Request("m4", "p2", "Encounter/e1", "314076"));

        var answers = (await RunAsync()).Answers;

        Assert.Equal(new MedicationCount("860975", "Drug 860975", 3), answers.TopMedication);
        Assert.Equal([new EncounterTypeCount("A", "Check up", 1), new EncounterTypeCount("B", "Symptom", 1)], answers.EncounterTypes);
    }

    [Fact]
    public async Task RunAsync_RepeatedDiagnosis_PatientCountedOncePerCondition()
    {
        Write("Condition",
            Condition("c1", "p1", "44054006", "2001-01-01"),
            Condition("c2", "p1", "44054006", "2005-01-01"),
            Condition("c3", "p2", "44054006", "2002-01-01"),
            Condition("c4", "p2", "38341003", "2003-01-01"));

        var answers = (await RunAsync()).Answers;

        Assert.Equal([new ConditionCount("44054006", "Condition 44054006", 2), new ConditionCount("38341003", "Condition 38341003", 1)], answers.TopConditions);
    }

    [Fact]
    public async Task RunAsync_InfluenzaCodesOnly_NotDoneAndOtherVaccinesNotCounted()
    {
        Write("Immunization",
            Immunization("i1", "p1", "140", "completed"),
            Immunization("i2", "p1", "158", "completed"),
            Immunization("i3", "p2", "140", "not-done"),
            Immunization("i4", "p3", "08", "completed"),
            Immunization("i5", "p4", "135", "completed"));

        Assert.Equal(2, (await RunAsync()).Answers.FluVaccinatedPatients);
    }

    [Fact]
    public async Task RunAsync_NoMedicationRequests_NoTopMedicationAndNoEncounterTypes()
    {
        Write("Patient", """{"resourceType":"Patient","id":"p1"}""");

        var answers = (await RunAsync()).Answers;

        Assert.Null(answers.TopMedication);
        Assert.Empty(answers.EncounterTypes);
        Assert.Equal(0, answers.FluVaccinatedPatients);
    }

    [Fact]
    public async Task RunAsync_Tables_DuckDbAndOneParquetFilePerView()
    {
        Write("Patient", """{"resourceType":"Patient","id":"p1","gender":"female"}""");

        var result = await RunAsync();

        Assert.True(File.Exists(result.DatabasePath));
        Assert.Equal(6, result.ParquetFiles.Count);
        Assert.All(result.ParquetFiles, f => Assert.True(new FileInfo(f).Length > 0));
        Assert.Equal(1, result.Tables.RowsByTable["patients"]);
    }

    [Fact]
    public async Task RunAsync_InvalidView_RejectedNamingItsFile()
    {
        var definition = new WorkshopDefinition(
            [KeyValuePair.Create("broken.json", """{"resourceType":"ViewDefinition","resource":"Patient","select":[{"column":[{"name":"bad name","path":"id"}]}]}""")],
            []);

        var error = await Assert.ThrowsAsync<ViewDefinitionException>(() =>
            new WorkshopAnalysis().RunAsync(NdjsonSource.FromFolder(folder), definition, Path.Combine(folder, "out")));

        Assert.StartsWith("broken.json:", error.Message, StringComparison.Ordinal);
        Assert.Equal("broken.json", error.FileName);
    }

    [Fact]
    public void FromDirectory_NoViewsFolder_DirectoryNotFound()
    {
        Assert.Throws<DirectoryNotFoundException>(() => WorkshopDefinition.FromDirectory(folder));
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private Task<WorkshopResult> RunAsync() =>
        new WorkshopAnalysis().RunAsync(NdjsonSource.FromFolder(folder), WorkshopDefinition.FromDirectory(RepositoryWorkshop()), Path.Combine(folder, "out"));

    private void Write(string type, params string[] lines) =>
        File.WriteAllLines(Path.Combine(folder, $"{type}.000.ndjson"), lines);

    private static string RepositoryWorkshop()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(dir!.FullName, "FhirBulk.slnx")))
        {
            dir = dir.Parent;
        }

        return Path.Combine(dir.FullName, "examples", "workshop");
    }

    private static string Encounter(string id, string type, string display) =>
        $$$"""{"resourceType":"Encounter","id":"{{{id}}}","type":[{"coding":[{"code":"{{{type}}}","display":"{{{display}}}"}]}]}""";

    private static string Request(string id, string patient, string encounter, string code) =>
        $$$"""{"resourceType":"MedicationRequest","id":"{{{id}}}","status":"active","subject":{"reference":"Patient/{{{patient}}}"},"encounter":{"reference":"{{{encounter}}}"},"medicationCodeableConcept":{"coding":[{"code":"{{{code}}}","display":"Drug {{{code}}}"}]}}""";

    private static string Condition(string id, string patient, string code, string onset) =>
        $$$"""{"resourceType":"Condition","id":"{{{id}}}","subject":{"reference":"Patient/{{{patient}}}"},"code":{"coding":[{"code":"{{{code}}}","display":"Condition {{{code}}}"}]},"onsetDateTime":"{{{onset}}}"}""";

    private static string Immunization(string id, string patient, string cvx, string status) =>
        $$$"""{"resourceType":"Immunization","id":"{{{id}}}","status":"{{{status}}}","patient":{"reference":"Patient/{{{patient}}}"},"vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"{{{cvx}}}"}]}}""";
}
