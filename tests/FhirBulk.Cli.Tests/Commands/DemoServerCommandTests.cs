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
        Assert.Contains("1. Patients who ever received an influenza vaccine", result.Output, StringComparison.Ordinal);
        Assert.Contains("2. Five most common conditions", result.Output, StringComparison.Ordinal);
        Assert.Contains("3. Most common medication", result.Output, StringComparison.Ordinal);
    }

    public void Dispose() => temp.Dispose();
}
