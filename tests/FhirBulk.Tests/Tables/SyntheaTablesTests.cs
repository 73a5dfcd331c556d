using System.Text.Json;
using System.Text.RegularExpressions;
using FhirBulk.Ndjson;
using FhirBulk.Sinks.DuckDb;
using FhirBulk.Sinks.Ndjson;
using FhirBulk.Tables;
using FhirBulk.Tests.Tables.TestSupport;
using FhirBulk.Views;
using FhirBulk.Views.Workshop;

namespace FhirBulk.Tests.Tables;

/// <summary>
/// The pipeline on the real Synthea sample, checked against answers computed here from the plain
/// JSON (never through the view engine).
/// </summary>
public partial class SyntheaTablesTests
{
    private const string MedicationRequestsJson = """
        {"resourceType":"ViewDefinition","name":"medication_requests","resource":"MedicationRequest","status":"active",
         "select":[{"column":[
           {"name":"key","path":"getResourceKey()"},
           {"name":"encounter_key","path":"encounter.getReferenceKey(Encounter)"},
           {"name":"med_code","path":"medication.ofType(CodeableConcept).coding.first().code"}]}]}
        """;

    private const string MedicationStatusJson = """
        {"resourceType":"ViewDefinition","name":"medication_status","resource":"MedicationRequest","status":"active",
         "select":[{"column":[{"name":"id","path":"id"},{"name":"status","path":"status"},{"name":"authored","path":"authoredOn"}]}]}
        """;

    private const string EncountersJson = """
        {"resourceType":"ViewDefinition","name":"encounters","resource":"Encounter","status":"active",
         "select":[{"column":[
           {"name":"key","path":"getResourceKey()"},
           {"name":"type_code","path":"type.first().coding.first().code"}]}]}
        """;

    private static readonly ICompiledView MedicationRequests = ViewDefinitionCompiler.Compile(MedicationRequestsJson);

    private static readonly ICompiledView Encounters = ViewDefinitionCompiler.Compile(EncountersJson);

    public static TheoryData<string> Layouts => new() { "folder", "mixed-file-urn-uuid" };

    [SyntheaTheory]
    [MemberData(nameof(Layouts))]
    public async Task RunAsync_MedicationRequestToEncounter_JoinsThroughReferenceKeys(string layout)
    {
        using var dir = new TempFolder();
        NdjsonSource source = layout == "folder" ? NdjsonSource.FromFolder(SyntheaSample.Path) : NdjsonSource.FromFile(WriteMixedUrnFile(dir));
        string db = dir.File("synthea.duckdb");
        await using (var sink = new DuckDbSink(db))
        {
            await new FhirTables().RunAsync(source, [MedicationRequests, Encounters], sink);
        }

        var expected = ExpectedTopMedicationEncounterType();
        var joined = await QueryAsync(db, "SELECT count(*) FROM medication_requests m JOIN encounters e ON m.encounter_key = e.key");
        var top = await QueryAsync(db, $"""
            SELECT e.type_code, count(*) AS n FROM medication_requests m JOIN encounters e ON m.encounter_key = e.key
            WHERE m.med_code = '{expected.MedCode}' GROUP BY 1 ORDER BY n DESC, 1 LIMIT 1
            """);

        Assert.Equal(expected.JoinedCount, (long)joined[0][0]!);
        Assert.Equal((expected.TypeCode, expected.TypeCount), ((string)top[0][0]!, (long)top[0][1]!));
    }

    [SyntheaFact]
    public async Task RunAsync_Parallel_SameRowsInSameOrderAsSequential()
    {
        using var dir = new TempFolder();
        foreach (int parallelism in new[] { 1, 4 })
        {
            // Compiled together, views of one type share each resource's parse across threads.
            var views = ViewDefinitionCompiler.CompileAll(
                [.. new[] { MedicationRequestsJson, MedicationStatusJson, EncountersJson }.Select(FhirBulk.Views.Definition.ViewDefinitionParser.Parse)]);
            await using var sink = new NdjsonRowSink(dir.File($"p{parallelism}"));
            await new FhirTables(new FhirTablesOptions { MaxDegreeOfParallelism = parallelism })
                .RunAsync(NdjsonSource.FromFolder(SyntheaSample.Path), views, sink);
        }

        foreach (string table in new[] { "medication_requests", "medication_status", "encounters" })
        {
            byte[] sequential = await File.ReadAllBytesAsync(Path.Combine(dir.File("p1"), table + ".ndjson"));
            byte[] parallel = await File.ReadAllBytesAsync(Path.Combine(dir.File("p4"), table + ".ndjson"));
            Assert.True(sequential.Length > 0);
            Assert.Equal(sequential, parallel);
        }
    }

    [SyntheaFact]
    public async Task ReprocessAsync_UnmappedTypes_GetFlattenEverythingTables()
    {
        using var dir = new TempFolder();
        string db = dir.File("workshop.duckdb");
        var columns = new Dictionary<string, IReadOnlyList<WorkshopColumn>>
        {
            ["Patient"] = [("id", "id"), ("birth_date", "birthDate"), ("given", "name.given")],
        };
        TableRunResult result;
        await using (var sink = new DuckDbSink(db))
        {
            result = await new FhirTables().ReprocessAsync(NdjsonSource.FromFolder(SyntheaSample.Path), columns, sink);
        }

        Assert.Equal(13, result.RowsByTable["patient"]);
        Assert.Equal(555, result.RowsByTable["condition"]);
        Assert.Equal(13, result.RowsByTable.Count);

        var patientColumns = await QueryAsync(db, "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'patient' ORDER BY ordinal_position");
        Assert.Equal(["id", "birth_date", "given"], patientColumns.Select(c => c[0]));
        Assert.Equal("VARCHAR[]", patientColumns[2][1]);

        // The flattened Condition table has a column for every leaf any Condition has.
        JsonElement[] conditions = [.. SyntheaSample.Lines("Condition").Select(l => JsonDocument.Parse(l).RootElement)];
        long withAbatement = conditions.Count(c => c.TryGetProperty("abatementDateTime", out _));
        var abated = await QueryAsync(db, "SELECT count(abatementDateTime) FROM condition");
        Assert.True(withAbatement > 0);
        Assert.Equal(withAbatement, (long)abated[0][0]!);

        JsonElement first = conditions[0];
        string id = first.GetProperty("id").GetString()!;
        var row = await QueryAsync(db, $"SELECT code_coding_0_code, subject_reference FROM condition WHERE id = '{id}'");
        Assert.Equal(first.GetProperty("code").GetProperty("coding")[0].GetProperty("code").GetString(), row[0][0]);
        Assert.Equal(first.GetProperty("subject").GetProperty("reference").GetString(), row[0][1]);
    }

    [SyntheaFact]
    public async Task RunAsync_BrokenLinesInCopyOfSample_SkippedAndReportedOrStopStrictRun()
    {
        using var dir = new TempFolder();
        string patients = dir.File("Patient.000.ndjson");
        List<string> lines = [.. SyntheaSample.Lines("Patient")];
        lines.Insert(2, """{"resourceType":"Patient","id":"cut-off","name":[{"fam""");
        lines.Insert(7, "[\"not\",\"an\",\"object\"]");
        await File.WriteAllLinesAsync(patients, lines);
        var view = ViewDefinitionCompiler.Compile("""
            {"resourceType":"ViewDefinition","name":"patients","resource":"Patient","status":"active","select":[{"column":[{"name":"id","path":"id"}]}]}
            """);

        await using var lenientSink = new DuckDbSink(dir.File("lenient.duckdb"));
        TableRunResult result = await new FhirTables().RunAsync(NdjsonSource.FromFolder(dir.Path), [view], lenientSink);

        Assert.Equal(13, result.RowsByTable["patients"]);
        Assert.Equal(2, result.MalformedLines.Count);
        Assert.Equal([(patients, 3L), (patients, 8L)], result.MalformedLines.Examples.Select(e => (e.SourceName, e.LineNumber)));
        Assert.Contains("not a JSON object", result.MalformedLines.Examples[1].Message, StringComparison.Ordinal);

        var strict = NdjsonSource.FromFolder(dir.Path, new NdjsonSourceOptions { MalformedLines = ErrorPolicy.Fail });
        await using var strictSink = new DuckDbSink(dir.File("strict.duckdb"));
        var ex = await Assert.ThrowsAsync<MalformedNdjsonException>(() => new FhirTables().RunAsync(strict, [view], strictSink));
        Assert.Equal((patients, 3L), (ex.SourceName, ex.LineNumber));
    }

    [SyntheaFact]
    public async Task GetExampleResourceAsync_Sample_ReturnsResourceById()
    {
        string id = JsonDocument.Parse(SyntheaSample.Lines("Encounter").Skip(5).First()).RootElement.GetProperty("id").GetString()!;

        ResourceLine? found = await new FhirTables().GetExampleResourceAsync(NdjsonSource.FromFolder(SyntheaSample.Path), "Encounter", id);

        Assert.NotNull(found);
        Assert.Equal(6, found.LineNumber);
    }

    private static async Task<List<object?[]>> QueryAsync(string db, string sql)
    {
        await using var result = await DuckDbDatabase.QueryAsync(db, sql);
        return await result.ReadRowsAsync().ToListAsync();
    }

    /// <summary>The whole sample as one mixed-type file, with references as Synthea bundles write them (<c>urn:uuid:</c>).</summary>
    private static string WriteMixedUrnFile(TempFolder dir)
    {
        string path = dir.File("synthea.ndjson");
        using var writer = new StreamWriter(path);
        foreach (string file in Directory.EnumerateFiles(SyntheaSample.Path, "*.000.ndjson").Order(StringComparer.Ordinal))
        {
            foreach (string line in File.ReadLines(file))
            {
                writer.WriteLine(RelativeReference().Replace(line, "\"reference\":\"urn:uuid:"));
            }
        }

        return path;
    }

    /// <summary>The join and the top medication's most common encounter type, from plain JSON.</summary>
    private static (long JoinedCount, string MedCode, string TypeCode, long TypeCount) ExpectedTopMedicationEncounterType()
    {
        var encounterTypes = SyntheaSample.Lines("Encounter")
            .Select(l => JsonDocument.Parse(l).RootElement)
            .ToDictionary(e => e.GetProperty("id").GetString()!, e => e.GetProperty("type")[0].GetProperty("coding")[0].GetProperty("code").GetString()!);
        var requests = SyntheaSample.Lines("MedicationRequest")
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Where(m => m.TryGetProperty("encounter", out _))
            .Select(m => (
                Med: m.TryGetProperty("medicationCodeableConcept", out var med) ? med.GetProperty("coding")[0].GetProperty("code").GetString() : null,
                Encounter: m.GetProperty("encounter").GetProperty("reference").GetString()!.Split('/')[^1]))
            .Where(m => encounterTypes.ContainsKey(m.Encounter))
            .ToList();
        string topMed = requests.Where(r => r.Med is not null).GroupBy(r => r.Med!).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).First().Key;
        var topType = requests.Where(r => r.Med == topMed).GroupBy(r => encounterTypes[r.Encounter])
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).First();
        return (requests.Count, topMed, topType.Key, topType.Count());
    }

    [GeneratedRegex("\"reference\":\"(?:Encounter|Patient|Condition)/")]
    private static partial Regex RelativeReference();
}
