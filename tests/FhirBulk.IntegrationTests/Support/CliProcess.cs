using System.Diagnostics;

namespace FhirBulk.IntegrationTests.Support;

/// <summary>The built <c>fhir-bulk</c> CLI run as a child process, with variables added to its environment only.</summary>
internal static class CliProcess
{
    /// <summary>Starts the CLI; the caller reads its output and waits for (or kills) it.</summary>
    public static Process Start(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", [Assembly(), .. arguments]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return Process.Start(start)!;
    }

    /// <summary>Runs the CLI to its end: its exit code, and what it wrote (both streams, for assertion messages).</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        using var process = Start(environment, arguments);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, $"exit {process.ExitCode}\n{await stdout}\n{await stderr}");
    }

    private static string Assembly()
    {
        // tests/FhirBulk.IntegrationTests/bin/<Configuration>/net10.0 → src/FhirBulk.Cli/bin/<Configuration>/net10.0
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var root = here;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "FhirBulk.slnx")))
        {
            root = root.Parent;
        }

        Assert.NotNull(root);
        var path = Path.Combine(root.FullName, "src", "FhirBulk.Cli", "bin", here.Parent!.Name, here.Name, "fhir-bulk.dll");
        Assert.True(File.Exists(path), $"{path} is missing; build src/FhirBulk.Cli");
        return path;
    }
}
