using System.Text.Json;
using FhirBulk.Cli.Tests.Infrastructure;
using FhirBulk.Cli.Tests.Workshop;

namespace FhirBulk.Cli.Tests.Commands;

public sealed class DemoServerCommandTests : IDisposable
{
    private readonly TempFolder temp = new();

    [Fact]
    public async Task Demo_SmallPopulation_ExportsAnalysesAndAnswersLikeAnIndependentCount()
    {
        var output = temp.File("demo");

        var result = await new CliRunner().RunAsync("demo", "--patients", "12", "--out", output, "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var patientExport = Path.Combine(output, "export", "patient");
        Assert.NotEmpty(Directory.GetFiles(patientExport, "Patient.*.ndjson"));
        Assert.NotEmpty(Directory.GetFiles(Path.Combine(output, "export", "group"), "Patient.*.ndjson"));
        Assert.True(File.Exists(Path.Combine(output, "workshop.duckdb")));
        Assert.Equal(6, Directory.GetFiles(Path.Combine(output, "parquet"), "*.parquet").Length);
        Assert.True(File.Exists(Path.Combine(output, "top-conditions.png")));
        Assert.False(File.Exists(Path.Combine(output, "keys", "private-key.pem")), "the demo's throwaway private key is never written");

        var expected = IndependentAnswers.Compute(patientExport);
        var answers = JsonDocument.Parse(result.Output).RootElement;
        Assert.Equal(expected.FluVaccinatedPatients, answers.GetProperty("fluVaccinatedPatients").GetInt32());
        Assert.Equal(expected.TopConditions.Select(c => c.Code), answers.GetProperty("topConditions").EnumerateArray().Select(c => c.GetProperty("code").GetString()));
        Assert.Equal(expected.TopMedication.Code, answers.GetProperty("topMedication").GetProperty("code").GetString());
        Assert.Equal(expected.EncounterTypes.Select(t => t.Count), answers.GetProperty("encounterTypes").EnumerateArray().Select(t => t.GetProperty("count").GetInt32()));
    }

    [Fact]
    public async Task Demo_Terminal_PrintsProgressThenTheThreeAnswerTables()
    {
        var result = await new CliRunner().RunAsync("demo", "--patients", "6", "--out", temp.File("demo"));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Starting the embedded server with 6 generated patients", result.Output, StringComparison.Ordinal);
        Assert.Contains("Patient export: complete", result.Output, StringComparison.Ordinal);
        Assert.Contains("Group export (", result.Output, StringComparison.Ordinal);
        Assert.Matches(@"rows in 6 tables from [\d,]+ resources of the types the views read", result.Output);
        Assert.Contains("1. Patients who ever received an influenza vaccine", result.Output, StringComparison.Ordinal);
        Assert.Contains("2. Five most common conditions", result.Output, StringComparison.Ordinal);
        Assert.Contains("3. Most common medication", result.Output, StringComparison.Ordinal);

        // The output panel names everything the demo leaves behind: both exports and the public key.
        Assert.Matches(@"│ NDJSON +│ export/patient \(analysed\) +│[^\n]*\n│ │ +│ export/group +│", result.Output.ReplaceLineEndings("\n"));
        Assert.Matches(@"│ Public key +│ keys/jwks\.json \(the demo client's", result.Output);
    }

    [Fact]
    public async Task DemoSync_Json_ThreeSyncsAWeekApartEachWithItsChangesAndAnswers()
    {
        var output = temp.File("demo");

        var result = await new CliRunner().RunAsync("demo", "--sync", "--patients", "12", "--out", output, "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var increments = JsonDocument.Parse(result.Output).RootElement.GetProperty("increments").EnumerateArray().ToList();
        Assert.Equal([1, 2, 3], increments.Select(i => i.GetProperty("increment").GetInt32()));

        // Each increment as sync --json prints it (docs/cli.md), plus its answers.
        Assert.All(increments, increment => Assert.Equal(
            ["answers", "changes", "database", "deletedResources", "directory", "increment", "incrementDirectory", "rebuiltFrom", "resources", "tables", "transactionTime", "warnings"],
            increment.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)));
        Assert.Equal(["2026-01-01T00:00:00.000Z", "2026-01-08T00:00:00.000Z", "2026-01-15T00:00:00.000Z"], increments.Select(i => i.GetProperty("transactionTime").GetString()));

        // The full export only adds; each increment then changes a little of what is there and the tables' rows follow.
        foreach (var table in increments[0].GetProperty("tables").EnumerateObject())
        {
            var change = increments[0].GetProperty("changes").GetProperty(table.Name);
            Assert.Equal(table.Value.GetInt64(), change.GetProperty("added").GetInt64());
            Assert.Equal(0, change.GetProperty("replaced").GetInt64() + change.GetProperty("deleted").GetInt64());
        }

        for (var i = 1; i < increments.Count; i++)
        {
            var patients = increments[i].GetProperty("changes").GetProperty("patients");
            Assert.InRange(patients.GetProperty("added").GetInt64(), 1, 2);
            Assert.Equal(
                increments[i - 1].GetProperty("tables").GetProperty("patients").GetInt64() + patients.GetProperty("added").GetInt64(),
                increments[i].GetProperty("tables").GetProperty("patients").GetInt64());
            Assert.Contains(increments[i].GetProperty("changes").EnumerateObject(), t => t.Value.GetProperty("deleted").GetInt64() > 0 || t.Value.GetProperty("replaced").GetInt64() > 0);
            Assert.True(increments[i].GetProperty("answers").GetProperty("fluVaccinatedPatients").GetInt32() >= increments[i - 1].GetProperty("answers").GetProperty("fluVaccinatedPatients").GetInt32());
        }

        Assert.True(File.Exists(Path.Combine(output, "sync", "tables.duckdb")));
        Assert.Equal(["0001", "0002", "0003"], Directory.GetDirectories(Path.Combine(output, "sync", "increments")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Demo_Pipe_OutputBoxHoldsEveryPathWholeOnItsOwnLineAndTryCommandIsOneLine()
    {
        var output = temp.File("demo");

        var result = await new CliRunner().AsPipe().RunAsync("demo", "--patients", "6", "--out", output);

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Output.ReplaceLineEndings("\n").TrimEnd().Split('\n');
        var box = Array.FindIndex(lines, l => l.StartsWith($"┌─Output in {output}─", StringComparison.Ordinal));
        Assert.True(box >= 0, result.ToString());
        // Never wrapped on a pipe (docs/cli.md, Width): one path a row, each whole, and the box only as wide as the longest.
        Assert.Contains(lines, l => l.StartsWith("│ │ Public key │ keys/jwks.json (the demo client's, registered with the embedded server) │", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("│ │ Parquet    │ parquet/conditions.parquet ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("│ │            │ parquet/patients.parquet ", StringComparison.Ordinal));
        Assert.All(lines[box..^1], line => Assert.True(line.Length <= lines[box].Length, $"{line.Length} columns, wider than its box: {line}"));
        // One line, pasted as printed into any shell: no POSIX line continuation, no wrap in the middle of it.
        Assert.Equal($"Try: fhir-bulk query --db {Path.Combine(output, "workshop.duckdb")} \"SELECT gender, count(*) FROM patients GROUP BY ALL\"", lines[^1]);
    }

    [Fact]
    public async Task DemoHelp_Json_DescribesTheSyncJsonShapeFieldByField()
    {
        var result = await new CliRunner().AsPipe().RunAsync("demo", "--help");

        var json = result.Output.Split('\n').Single(l => l.TrimStart().StartsWith("--json", StringComparison.Ordinal));
        Assert.Contains("With --sync: {directory, increments}", json, StringComparison.Ordinal);
        // The fields DemoSync_Json_ThreeSyncsAWeekApartEachWithItsChangesAndAnswers finds in each increment.
        Assert.All(
            ["answers", "changes", "database", "deletedResources", "directory", "increment", "incrementDirectory", "rebuiltFrom", "resources", "tables", "transactionTime", "warnings", "added", "replaced", "deleted"],
            field => Assert.Matches($@"\b{field}\b", json));
    }

    [Fact]
    public async Task DemoSync_Pipe_PrintsEachIncrementsChangesThenTheAnswers()
    {
        var result = await new CliRunner().AsPipe().RunAsync("demo", "--sync", "--patients", "6", "--out", temp.File("demo"));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain("\u001b[", result.Output, StringComparison.Ordinal);
        Assert.Contains("Increment 1, the full export:", result.Output, StringComparison.Ordinal);
        Assert.Matches(@"Increment 2: [\d,]+ resources new or changed, [\d,]+ deleted; transactionTime 2026-01-08T00:00:00\.000Z\.", result.Output);
        Assert.Contains("The server's data moved on a week", result.Output, StringComparison.Ordinal);
        Assert.Contains("Increment 3:", result.Output, StringComparison.Ordinal);
        Assert.Equal(3, System.Text.RegularExpressions.Regex.Count(result.Output, @"│ +Rows │ +Added │ +Replaced │ +Deleted │"));
        Assert.Equal(3, Occurrences(result.Output, "1. Patients who ever received an influenza vaccine"));
        Assert.True(
            result.Output.IndexOf("Increment 2:", StringComparison.Ordinal) < Occurrence(result.Output, "1. Patients who ever received", 2),
            "each increment's answers come after its changes");
    }

    [Fact]
    public async Task DemoSync_Terminal_ShowsTheSyncsAndTheirChanges()
    {
        var result = await new CliRunner().AsTerminal().RunAsync("demo", "--sync", "--patients", "6", "--out", temp.File("demo"));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Sync 3 (changes since the last)", result.Output, StringComparison.Ordinal);
        Assert.Contains("Increment 3:", result.Output, StringComparison.Ordinal);
        Assert.Contains("Replaced", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DemoSync_WithInput_RefusedAsUsage()
    {
        var input = temp.Write("Patient.ndjson", "{\"resourceType\":\"Patient\",\"id\":\"p\"}\n");

        var result = await new CliRunner().RunAsync("demo", "--sync", "--input", input, "--out", temp.File("demo"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--sync needs the embedded server", result.Error, StringComparison.Ordinal);
    }

    private static int Occurrences(string text, string value) => text.Split(value).Length - 1;

    private static int Occurrence(string text, string value, int nth)
    {
        var at = -1;
        for (var i = 0; i < nth; i++)
        {
            at = text.IndexOf(value, at + 1, StringComparison.Ordinal);
        }

        return at;
    }

    public void Dispose() => temp.Dispose();
}
