using FhirBulk.Cli.Tests.Infrastructure;

namespace FhirBulk.Cli.Tests.Commands;

/// <summary>Every command reading an export folder names a missing one in the same words, with exit 3, and writes nothing.</summary>
public sealed class MissingInputTests : IDisposable
{
    private readonly TempFolder temp = new();

    [Theory]
    [InlineData("inspect")]
    [InlineData("inspect --verify")]
    [InlineData("demo")]
    [InlineData("example")]
    [InlineData("view")]
    public async Task Command_InputThatDoesNotExist_Exit3NamingItAndWhatToGive(string command)
    {
        var missing = temp.File("no-such-export");
        var output = temp.File("out");
        string[] arguments = command switch
        {
            "inspect" => ["inspect", missing],
            "inspect --verify" => ["inspect", missing, "--verify"],
            "demo" => ["demo", "--input", missing, "--out", output],
            "example" => ["example", "--input", missing, "--type", "Patient"],
            _ => ["view", "--input", missing, "--view", Path.Combine(RepositoryPaths.Workshop, "views"), "--out", output],
        };

        var result = await new CliRunner().RunAsync(arguments);

        Assert.Equal(3, result.ExitCode);
        Assert.StartsWith($"error: '{missing}' does not exist: give an export folder", result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output), $"{command} made {output}");
    }

    [Theory]
    [InlineData("inspect")]
    [InlineData("inspect --verify")]
    [InlineData("view")]
    [InlineData("serve")]
    public async Task Command_InputAGenerateIntoDidNotFinish_Exit3SayingSoAndToRunGenerateAgain(string command)
    {
        // What a killed generate leaves: no folder, and beside it the hidden staging folder with part of a population.
        var missing = temp.File("pop");
        var unfinished = Directory.CreateDirectory(temp.File(".pop.unfinished")).FullName;
        await File.WriteAllTextAsync(Path.Combine(unfinished, "Patient.000.ndjson"), "{\"resourceType\":\"Patient\",\"id\":\"p1\"}\n");
        var output = temp.File("out");
        string[] arguments = command switch
        {
            "inspect" => ["inspect", missing],
            "inspect --verify" => ["inspect", missing, "--verify"],
            "view" => ["view", "--input", missing, "--view", Path.Combine(RepositoryPaths.Workshop, "views"), "--out", output],
            _ => ["serve", "--data", missing, "--no-auth"],
        };
        var named = command switch
        {
            "view" => $"--input {missing}",
            "serve" => $"--data {missing}",
            _ => missing,
        };

        var result = await new CliRunner().AsPipe().RunAsync(arguments);

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Equal(
            $"error: {named} does not exist: a generate into it did not finish (.pop.unfinished beside it holds what it wrote); run 'fhir-bulk generate --out {missing}' again, which replaces it.",
            result.Error.Trim());
        Assert.False(Directory.Exists(output), $"{command} made {output}");
    }

    [Theory]
    [InlineData("inspect")]
    [InlineData("inspect --verify")]
    [InlineData("view")]
    public async Task Command_InputIsTheUnfinishedFolderOfAGenerate_Exit3SayingSoAndWhichFolderToGive(string command)
    {
        // The hidden staging folder a killed (or still running) generate writes: part of a population, not a whole export.
        var meant = temp.File("pop");
        var unfinished = Directory.CreateDirectory(temp.File(".pop.unfinished")).FullName;
        await File.WriteAllTextAsync(Path.Combine(unfinished, "Patient.000.ndjson"), "{\"resourceType\":\"Patient\",\"id\":\"p1\"}\n");
        var output = temp.File("out");
        string[] arguments = command switch
        {
            "inspect" => ["inspect", unfinished],
            "inspect --verify" => ["inspect", unfinished, "--verify"],
            _ => ["view", "--input", unfinished, "--view", Path.Combine(RepositoryPaths.Workshop, "views"), "--out", output],
        };
        var named = command == "view" ? $"--input {unfinished}" : unfinished;

        var result = await new CliRunner().AsPipe().RunAsync(arguments);

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Equal(
            $"error: {named} is the unfinished output of a generate into {meant} that was interrupted (or is still running): give {meant} once that generate has finished, or run 'fhir-bulk generate --out {meant}' again, which replaces it.",
            result.Error.Trim());
        Assert.False(Directory.Exists(output), $"{command} made {output}");
    }

    public void Dispose() => temp.Dispose();
}
