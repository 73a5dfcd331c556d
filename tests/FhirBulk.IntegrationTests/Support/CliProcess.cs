using System.Diagnostics;

namespace FhirBulk.IntegrationTests.Support;

/// <summary>
/// The built <c>fhir-bulk</c> CLI run as a child process, as a user runs it: its own environment (the only place a cloud's
/// credentials are given), its exit code and what it printed.
/// </summary>
internal static class CliProcess
{
    /// <summary>The repository's examples/workshop/views folder.</summary>
    public static string WorkshopViews => Path.Combine(RepositoryRoot(), "examples", "workshop", "views");

    /// <summary>Runs the CLI with <paramref name="environment"/> added to its environment only, to its exit.</summary>
    /// <returns>The exit code, and the exit code, stdout and stderr as one text for assertion messages.</returns>
    public static async Task<(int ExitCode, string Output)> RunAsync(Dictionary<string, string> environment, params string[] arguments)
    {
        using var process = Start(environment, arguments);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, $"exit {process.ExitCode}\n{await stdout}\n{await stderr}");
    }

    /// <summary>Starts the CLI with stdout and stderr redirected; the caller reads them (or not) and waits.</summary>
    public static Process Start(Dictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", [CliAssembly(), .. arguments]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return Process.Start(start)!;
    }

    public static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "FhirBulk.slnx")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No FhirBulk.slnx above {AppContext.BaseDirectory}.");
    }

    private static string CliAssembly()
    {
        // tests/FhirBulk.IntegrationTests/bin/<Configuration>/net10.0 → src/FhirBulk.Cli/bin/<Configuration>/net10.0
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var path = Path.Combine(RepositoryRoot(), "src", "FhirBulk.Cli", "bin", here.Parent!.Name, here.Name, "fhir-bulk.dll");
        Assert.True(File.Exists(path), $"{path} is missing; build src/FhirBulk.Cli");
        return path;
    }
}
