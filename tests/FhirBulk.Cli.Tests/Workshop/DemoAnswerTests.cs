using System.Text.Json;
using FhirBulk.Cli.Tests.Infrastructure;

namespace FhirBulk.Cli.Tests.Workshop;

/// <summary>
/// `demo --input` on the real Synthea sample must print exactly the answers an independent
/// computation over the raw NDJSON gives.
/// </summary>
public sealed class DemoAnswerTests : IDisposable
{
    private readonly string output = Directory.CreateTempSubdirectory("fhir-bulk-demo-input-").FullName;

    [SyntheaSampleFact]
    public async Task Demo_InputSyntheaSample_AnswersMatchIndependentComputation()
    {
        var expected = IndependentAnswers.Compute(RepositoryPaths.SyntheaSample);

        var result = await new CliRunner().RunAsync(
            "demo", "--input", RepositoryPaths.SyntheaSample, "--out", output, "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Output);
        var answers = json.RootElement;
        Assert.Equal(
            ["fluVaccinatedPatients", "topConditions", "topMedication", "encounterTypes"],
            answers.EnumerateObject().Select(p => p.Name));

        Assert.Equal(expected.FluVaccinatedPatients, answers.GetProperty("fluVaccinatedPatients").GetInt32());
        Assert.Equal(
            expected.TopConditions,
            answers.GetProperty("topConditions").EnumerateArray()
                .Select(c => (c.GetProperty("code").GetString()!, c.GetProperty("display").GetString(), c.GetProperty("patients").GetInt32())));
        var medication = answers.GetProperty("topMedication");
        Assert.Equal(
            expected.TopMedication,
            (medication.GetProperty("code").GetString()!, medication.GetProperty("display").GetString(), medication.GetProperty("requests").GetInt32()));
        Assert.Equal(
            expected.EncounterTypes,
            answers.GetProperty("encounterTypes").EnumerateArray()
                .Select(t => (t.GetProperty("code").GetString()!, t.GetProperty("display").GetString(), t.GetProperty("count").GetInt32())));
    }

    [SyntheaSampleFact]
    public async Task Demo_InputOneMixedFile_SameAnswersAsTheFolder()
    {
        // The workshop's SyntheaDataFetcher reads one mixed-type NDJSON file; so can demo --input.
        var mixed = Path.Combine(output, "synthea.ndjson");
        await using (var writer = File.CreateText(mixed))
        {
            foreach (var file in Directory.GetFiles(RepositoryPaths.SyntheaSample, "*.ndjson").Where(f => !f.EndsWith("log.ndjson", StringComparison.Ordinal)).Order(StringComparer.Ordinal).Reverse())
            {
                foreach (var line in File.ReadLines(file))
                {
                    await writer.WriteLineAsync(line);
                }
            }
        }

        var fromFolder = await new CliRunner().RunAsync("demo", "--input", RepositoryPaths.SyntheaSample, "--out", Path.Combine(output, "a"), "--json");
        var fromFile = await new CliRunner().RunAsync("demo", "--input", mixed, "--out", Path.Combine(output, "b"), "--json");

        Assert.True(fromFile.ExitCode == 0, fromFile.ToString());
        Assert.Equal(fromFolder.Output, fromFile.Output);
    }

    [SyntheaSampleFact]
    public void IndependentAnswers_SyntheaSample_FindsSomethingToCompare()
    {
        // Guards the comparison above against passing on empty answers.
        var answers = IndependentAnswers.Compute(RepositoryPaths.SyntheaSample);

        Assert.True(answers.FluVaccinatedPatients > 0);
        Assert.Equal(5, answers.TopConditions.Count);
        Assert.True(answers.TopMedication.Requests > 0);
        Assert.NotEmpty(answers.EncounterTypes);
    }

    public void Dispose() => Directory.Delete(output, recursive: true);
}
