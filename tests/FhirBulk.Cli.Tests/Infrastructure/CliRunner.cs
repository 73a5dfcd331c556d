using Spectre.Console.Testing;

namespace FhirBulk.Cli.Tests.Infrastructure;

/// <summary>What a user saw after one run of fhir-bulk.</summary>
public sealed record CliResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}

/// <summary>
/// Runs the real command tree in-process against Spectre test consoles and an environment
/// given by the test (never the machine's own FHIR_BULK_* variables or profile file).
/// </summary>
public sealed class CliRunner
{
    private readonly Dictionary<string, string> environment = new(StringComparer.Ordinal);

    public CliRunner()
    {
        // A profile file that does not exist, so a developer's own profiles never leak into a test.
        environment["FHIR_BULK_PROFILE_FILE"] = Path.Combine(Path.GetTempPath(), $"fhir-bulk-no-profile-{Guid.NewGuid():N}.json");
    }

    public CliRunner WithEnvironment(string name, string value)
    {
        environment[name] = value;
        return this;
    }

    public async Task<CliResult> RunAsync(params string[] args)
    {
        var output = new TestConsole().Width(200);
        var error = new TestConsole().Width(200);
        var context = new CliContext(
            output,
            error,
            name => environment.TryGetValue(name, out var value) ? value : null,
            liveProgress: false,
            configureLogging: _ => { });
        var exitCode = await new CliApplication(context).RunAsync(args, CancellationToken.None);
        return new CliResult(exitCode, output.Output, error.Output);
    }
}
