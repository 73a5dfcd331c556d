using System.Text.Json;
using System.Text.Json.Nodes;
using FhirBulk.Cli.Tests.Infrastructure;

namespace FhirBulk.Cli.Tests.Commands;

public sealed class DemoInputCommandTests : IDisposable
{
    private readonly TempFolder temp = new();

    [Fact]
    public async Task Demo_InputFolder_PrintsTheThreeAnswersAsTables()
    {
        var input = SmallExport.Write(temp);

        var result = await new CliRunner().RunAsync("demo", "--input", input, "--out", temp.File("out"));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("2 patients", result.Output, StringComparison.Ordinal);
        Assert.Matches(@"│ 44054006 +│ Diabetes +│ +2 │", result.Output);
        Assert.Matches(@"│ 38341003 +│ Hypertension +│ +1 │", result.Output);
        Assert.Contains("Metformin (RxNorm 860975): 3 requests", result.Output, StringComparison.Ordinal);
        Assert.Matches(@"│ 185345009 +│ Symptom +│ +1 │", result.Output);
    }

    [Fact]
    public async Task Demo_InputWithoutImmunizations_Exit6NamingTheAnswerThatCouldNotBeComputedAndJsonNull()
    {
        var input = SmallExport.Write(temp);
        File.Delete(Path.Combine(input, "Immunization.000.ndjson"));

        var result = await new CliRunner().RunAsync("demo", "--input", input, "--out", temp.File("out"), "--json");

        Assert.True(result.ExitCode == 6, result.ToString());
        Assert.Contains($"warning: fluVaccinatedPatients could not be computed: no Immunization resources in {input}", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("topConditions", result.Error, StringComparison.Ordinal);
        var json = JsonDocument.Parse(result.Output).RootElement;
        Assert.Equal(JsonValueKind.Null, json.GetProperty("fluVaccinatedPatients").ValueKind);
        Assert.Equal(JsonValueKind.Array, json.GetProperty("topConditions").ValueKind);
    }

    [Fact]
    public async Task Demo_InputOfPatientsOnly_TablesSayNotComputedAsJsonSaysNullAndNoChart()
    {
        var input = SmallExport.Write(temp);
        foreach (var file in Directory.GetFiles(input, "*.ndjson").Where(f => !Path.GetFileName(f).StartsWith("Patient.", StringComparison.Ordinal)))
        {
            File.Delete(file);
        }

        var output = temp.File("out");
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "top-conditions.png"), "an earlier run's chart");

        var result = await new CliRunner().AsPipe().RunAsync("demo", "--input", input, "--out", output);

        Assert.True(result.ExitCode == 6, result.ToString());
        Assert.Equal(3, result.Output.Split('\n').Count(l => l.StartsWith("Not computed: the data has no ", StringComparison.Ordinal)));
        Assert.Contains("Not computed: the data has no Immunization resources.", result.Output, StringComparison.Ordinal);
        Assert.Contains("Not computed: the data has no Condition resources.", result.Output, StringComparison.Ordinal);
        Assert.Contains("Not computed: the data has no MedicationRequest resources.", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(" patients", result.Output.Split('\n').SkipWhile(l => !l.Contains("influenza", StringComparison.Ordinal)).Skip(1).First(), StringComparison.Ordinal);
        Assert.DoesNotContain("top-conditions.png", result.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(output, "top-conditions.png")));
    }

    [Fact]
    public async Task Demo_InputIntoAnEarlierDemosFolder_ListsNoPublicKeyItDidNotMake()
    {
        // The output box lists what this run wrote; the key an earlier demo registered with its server stays, unlisted.
        var output = temp.File("out");
        var keys = Directory.CreateDirectory(Path.Combine(output, "keys")).FullName;
        File.WriteAllText(Path.Combine(keys, "jwks.json"), "{\"keys\":[]}");

        var result = await new CliRunner().RunAsync("demo", "--input", SmallExport.Write(temp), "--out", output);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("│ DuckDB", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Public key", result.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(keys, "jwks.json")));
    }

    [Fact]
    public async Task Demo_InputEmptyFolder_Exit3LeavingThePreviousDemoAsItWas()
    {
        var output = temp.File("out");
        var first = await new CliRunner().RunAsync("demo", "--input", SmallExport.Write(temp), "--out", output);
        Assert.True(first.ExitCode == 0, first.ToString());
        var database = Path.Combine(output, "workshop.duckdb");
        var before = File.GetLastWriteTimeUtc(database);
        var empty = Directory.CreateDirectory(temp.File("empty")).FullName;

        var result = await new CliRunner().RunAsync("demo", "--input", empty, "--out", output);

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains($"error: {empty} holds no <Type>.*.ndjson files: there are no resources to read.", result.Error, StringComparison.Ordinal);
        Assert.Equal(before, File.GetLastWriteTimeUtc(database));
    }

    [Fact]
    public async Task Demo_InputOnATerminal_LiveStepThenTheSameTables()
    {
        var result = await new CliRunner().AsTerminal().RunAsync("demo", "--input", SmallExport.Write(temp), "--out", temp.File("out"));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("✓ Building the workshop tables (DuckDB + Parquet):", result.Output, StringComparison.Ordinal);
        Assert.Matches(@"│ 44054006 +│ Diabetes +│ +2 │", result.Output);
    }

    [Fact]
    public async Task Demo_InputFolder_LeavesDuckDbParquetAndPngChart()
    {
        var input = SmallExport.Write(temp);
        var output = temp.File("out");

        var result = await new CliRunner().RunAsync("demo", "--input", input, "--out", output);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(File.Exists(Path.Combine(output, "workshop.duckdb")));
        Assert.Equal(
            ["conditions", "encounters", "immunizations", "medication_requests", "patients", "smoking_status"],
            Directory.GetFiles(Path.Combine(output, "parquet"), "*.parquet").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal));
        var png = await File.ReadAllBytesAsync(Path.Combine(output, "top-conditions.png"));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
    }

    [Fact]
    public async Task Demo_InputJson_OneObjectWithTheContractedShape()
    {
        var input = SmallExport.Write(temp);

        var result = await new CliRunner().RunAsync("demo", "--input", input, "--out", temp.File("out"), "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Output);
        var expected = """
            {"fluVaccinatedPatients":2,
             "topConditions":[{"code":"44054006","display":"Diabetes","patients":2},{"code":"38341003","display":"Hypertension","patients":1}],
             "topMedication":{"code":"860975","display":"Metformin","requests":3},
             "encounterTypes":[{"code":"185345009","display":"Symptom","count":1},{"code":"185349003","display":"Check up","count":1}]}
            """;
        Assert.Equal(Compact(expected), Compact(result.Output));
    }

    [Fact]
    public async Task Demo_InputWithMalformedLine_PartialSuccessNamingFileAndLine()
    {
        var input = SmallExport.Write(temp, withMalformedLine: true);

        var result = await new CliRunner().RunAsync("demo", "--input", input, "--out", temp.File("out"));

        Assert.Equal(6, result.ExitCode);
        Assert.Contains("MedicationRequest.000.ndjson:5", result.Error, StringComparison.Ordinal);
        Assert.Contains("Metformin (RxNorm 860975): 3 requests", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_InputMissing_InvalidInputExitCode()
    {
        var missing = temp.File("nothing-here");

        var result = await new CliRunner().RunAsync("demo", "--input", missing, "--out", temp.File("out"));

        Assert.Equal(3, result.ExitCode);
        Assert.Contains(missing, result.Error, StringComparison.Ordinal);
    }

    public void Dispose() => temp.Dispose();

    private static string Compact(string json) => JsonNode.Parse(json)!.ToJsonString();
}
