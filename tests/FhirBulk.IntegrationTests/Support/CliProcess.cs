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

    /// <summary>The build of the CLI the JIT runs (<c>dotnet fhir-bulk.dll</c>).</summary>
    public const string Jit = "jit";

    /// <summary>
    /// The Native AOT executable, what the linux-x64 tool package holds: <c>FHIR_BULK_AOT</c> when set, else
    /// <c>artifacts/fhir-bulk-aot/fhir-bulk</c> (<c>.ci/run</c> publishes it there).
    /// </summary>
    public const string NativeAot = "aot";

    /// <summary>
    /// The CLIs there are to run: the JIT build always, and the Native AOT executable where it has been published, so a
    /// theory over them runs on the executable users get wherever it exists.
    /// </summary>
    public static TheoryData<string> Clis => File.Exists(NativeAotExecutable) ? [Jit, NativeAot] : [Jit];

    private static string NativeAotExecutable =>
        Environment.GetEnvironmentVariable("FHIR_BULK_AOT") is { Length: > 0 } path
            ? Path.GetFullPath(path)
            : Path.Combine(RepositoryRoot(), "artifacts", "fhir-bulk-aot", "fhir-bulk");

    /// <summary>Runs the CLI with <paramref name="environment"/> added to its environment only, to its exit.</summary>
    /// <returns>The exit code, and the exit code, stdout and stderr as one text for assertion messages.</returns>
    public static Task<(int ExitCode, string Output)> RunAsync(Dictionary<string, string> environment, params string[] arguments) =>
        RunAsync(Jit, environment, arguments);

    /// <summary>Runs <paramref name="cli"/> (<see cref="Jit"/> or <see cref="NativeAot"/>) as <see cref="RunAsync(Dictionary{string, string}, string[])"/> does.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string cli, Dictionary<string, string> environment, params string[] arguments)
    {
        using var process = Start(cli, environment, arguments);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, $"exit {process.ExitCode}\n{await stdout}\n{await stderr}");
    }

    /// <summary>Starts the CLI with stdout and stderr redirected; the caller reads them (or not) and waits.</summary>
    public static Process Start(Dictionary<string, string> environment, params string[] arguments) => Start(Jit, environment, arguments);

    private static Process Start(string cli, Dictionary<string, string> environment, string[] arguments)
    {
        var start = cli == NativeAot
            ? new ProcessStartInfo(NativeAotExecutable, arguments)
            : new ProcessStartInfo("dotnet", [CliAssembly(), .. arguments]);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
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
