using FhirBulk.Cli.Tests.Infrastructure;

namespace FhirBulk.Cli.Tests.Commands;

/// <summary>Every command reading an export folder names a missing one in the same words, with exit 3, and writes nothing.</summary>
public sealed class MissingInputTests : IDisposable
{
    private readonly TempFolder temp = new();

    [Theory]
    [InlineData("inspect")]
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
            "demo" => ["demo", "--input", missing, "--out", output],
            "example" => ["example", "--input", missing, "--type", "Patient"],
            _ => ["view", "--input", missing, "--view", Path.Combine(RepositoryPaths.Workshop, "views"), "--out", output],
        };

        var result = await new CliRunner().RunAsync(arguments);

        Assert.Equal(3, result.ExitCode);
        Assert.StartsWith($"error: '{missing}' does not exist: give an export folder", result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output), $"{command} made {output}");
    }

    public void Dispose() => temp.Dispose();
}
