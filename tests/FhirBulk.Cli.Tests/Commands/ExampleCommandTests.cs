using System.Text.Json;
using FhirBulk.Cli.Tests.Infrastructure;

namespace FhirBulk.Cli.Tests.Commands;

public sealed class ExampleCommandTests : IDisposable
{
    private readonly TempFolder temp = new();

    [Fact]
    public async Task Example_Type_FirstResourceIndented()
    {
        var result = await new CliRunner().RunAsync("example", "--input", SmallExport.Write(temp), "--type", "Patient");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("p1", JsonDocument.Parse(result.Output).RootElement.GetProperty("id").GetString());
        Assert.Contains("\n  \"id\": \"p1\"", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Example_TypeAndId_ThatResource()
    {
        var result = await new CliRunner().RunAsync("example", "--input", SmallExport.Write(temp), "--type", "Condition", "--id", "c3");

        Assert.Equal("urn:uuid:p2", JsonDocument.Parse(result.Output).RootElement.GetProperty("subject").GetProperty("reference").GetString());
    }

    [Fact]
    public async Task Example_IdNotThereOfATypeThatIs_CountsThatTypeAndNamesItsIdsNotTheTypes()
    {
        var input = SmallExport.Write(temp);

        var result = await new CliRunner().RunAsync("example", "--input", input, "--type", "Patient", "--id", "nope");

        Assert.Equal(3, result.ExitCode);
        Assert.Equal($"error: no Patient with id 'nope' in {input}: it holds 3 Patient resources (ids p1, p2, p3).", result.Error.Trim());
    }

    [Fact]
    public async Task Example_TypeNotThere_ListsTheTypesThatAre()
    {
        var result = await new CliRunner().RunAsync("example", "--input", SmallExport.Write(temp), "--type", "Observation");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("Condition, Encounter, Immunization, MedicationRequest, Patient", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("patient", null)]
    [InlineData("CONDITION", "c3")]
    public async Task Example_TypeOfAnotherCase_Exit3AskingWhetherTheTypeThereWasMeant(string type, string? id)
    {
        var arguments = new List<string> { "example", "--input", SmallExport.Write(temp), "--type", type };
        if (id is not null)
        {
            arguments.AddRange(["--id", id]);
        }

        var result = await new CliRunner().RunAsync([.. arguments]);

        Assert.Equal(3, result.ExitCode);
        var meant = type == "patient" ? "Patient" : "Condition";
        Assert.Contains($"Did you mean '{meant}'? Resource types are case-sensitive.", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Example_MisspeltType_Exit3AskingWhetherTheTypeThereWasMeant()
    {
        var input = SmallExport.Write(temp);

        var result = await new CliRunner().RunAsync("example", "--input", input, "--type", "Patinet");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains($"no Patinet in {input}. Did you mean 'Patient'?", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("case-sensitive", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Example_IdNotThereOfATypeThere_SaysSoWithoutACaseHint()
    {
        var input = SmallExport.Write(temp);

        var result = await new CliRunner().RunAsync("example", "--input", input, "--type", "Condition", "--id", "nope");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains($"no Condition with id 'nope' in {input}: it holds ", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Did you mean", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Example_InputDash_ReadsStdinOnceAndListsNoTypes()
    {
        var patients = File.ReadAllBytes(Path.Combine(SmallExport.Write(temp), "Patient.000.ndjson"));
        var runner = new CliRunner().WithStandardInput(patients);

        var found = await runner.RunAsync("example", "--input", "-", "--type", "Patient", "--id", "p2");
        var missing = await new CliRunner().WithStandardInput(patients).RunAsync("example", "--input", "-", "--type", "Observation");

        Assert.True(found.ExitCode == 0, found.ToString());
        Assert.Equal("p2", JsonDocument.Parse(found.Output).RootElement.GetProperty("id").GetString());
        Assert.Equal(3, missing.ExitCode);
        Assert.Contains("no Observation in -.", missing.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Types there", missing.Error, StringComparison.Ordinal);
    }

    public void Dispose() => temp.Dispose();
}
