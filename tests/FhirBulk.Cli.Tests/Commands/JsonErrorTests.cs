using System.Text.Json;
using FhirBulk.Cli.Tests.Infrastructure;

namespace FhirBulk.Cli.Tests.Commands;

/// <summary>With <c>--json</c>, a failure is one JSON document on stdout as well as one error line on stderr (docs/cli.md).</summary>
public sealed class JsonErrorTests : IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task Export_UnreachableServerWithJson_ErrorDocumentOnStdoutWithExitCodeAndRunAgainHint()
    {
        var folder = temp.File("export");

        var result = await new CliRunner().AsPipe().RunAsync("export", "--server", ServerFixture.UnusedServerUrl(), "--retries", "0", "--out", folder, "--json");

        Assert.True(result.ExitCode == 5, result.ToString());
        var error = ErrorDocument(result);
        Assert.Equal(5, error.GetProperty("exitCode").GetInt32());
        Assert.Contains(error.GetProperty("message").GetString()!, result.Error, StringComparison.Ordinal);
        // Nothing was started, so a resume could only ask the same URL again: the hint is to run the export again.
        Assert.Contains($"{folder} is as it was: run the same export again", error.GetProperty("hint").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("--resume", error.GetProperty("hint").GetString(), StringComparison.Ordinal);
        Assert.Single(result.Error.Split('\n'), l => l.StartsWith("error: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Inspect_MissingFolderWithJson_ErrorDocumentWithExit3AndNoHint()
    {
        var result = await new CliRunner().RunAsync("inspect", temp.File("nothing-here"), "--json");

        Assert.True(result.ExitCode == 3, result.ToString());
        var error = ErrorDocument(result);
        Assert.Equal(3, error.GetProperty("exitCode").GetInt32());
        Assert.False(error.TryGetProperty("hint", out _));
    }

    [Fact]
    public async Task Info_UnknownOptionWithJson_ErrorDocumentWithExit2AndTheHintStderrGives()
    {
        var result = await new CliRunner().RunAsync("info", "--json", "--no-such-option");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal(2, ErrorDocument(result).GetProperty("exitCode").GetInt32());
        Assert.Equal("Run 'fhir-bulk info --help' for the options.", ErrorDocument(result).GetProperty("hint").GetString());
        Assert.Contains("Run 'fhir-bulk info --help' for the options.", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_MissingFolderWithoutJson_NothingOnStdout()
    {
        var result = await new CliRunner().RunAsync("inspect", temp.File("nothing-here"));

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Equal("", result.Output);
    }

    /// <summary>The whole of stdout is one JSON document whose only member is <c>error</c>.</summary>
    private static JsonElement ErrorDocument(CliResult result)
    {
        using var document = JsonDocument.Parse(result.Output);
        var root = document.RootElement;
        Assert.Equal(["error"], root.EnumerateObject().Select(p => p.Name));
        return root.GetProperty("error").Clone();
    }
}
