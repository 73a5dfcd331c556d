namespace FhirBulk.Benchmarks.Infrastructure;

/// <summary>
/// A <c>fhir-bulk</c> CLI as the benchmarks start it: a framework-dependent build (<c>dotnet X.dll args</c>) or a native
/// executable (<c>X args</c>, the Native AOT publish). Every benchmark starts the CLI through this one type, so that a
/// run's command line, its results file and its choice of CLI agree.
/// </summary>
/// <param name="Name">Short name for variant names ("build", "r2r", "aot").</param>
/// <param name="Label">What results files call it ("published Native AOT").</param>
/// <param name="File">The <c>fhir-bulk.dll</c>, or the executable itself.</param>
/// <param name="BuildCommand">How to make <paramref name="File"/>, for the line that says it is missing.</param>
internal sealed record FhirBulkCli(string Name, string Label, string File, string BuildCommand)
{
    /// <summary>The CLI, in order of preference (the last present one is what a user gets): build output, ReadyToRun, Native AOT.</summary>
    public static IReadOnlyList<FhirBulkCli> Known(BenchOptions options) =>
    [
        new("build", "`dotnet build` output", System.IO.Path.Combine(RepositoryRoot.Path, "src", "FhirBulk.Cli", "bin", "Release", "net10.0", "fhir-bulk.dll"),
            "dotnet build src/FhirBulk.Cli -c Release"),
        new("r2r", "published ReadyToRun", System.IO.Path.Combine(options.R2rFolder ?? System.IO.Path.Combine(RepositoryRoot.Path, "artifacts", "fhir-bulk-r2r"), "fhir-bulk.dll"),
            "dotnet publish src/FhirBulk.Cli -c Release -r linux-x64 -o artifacts/fhir-bulk-r2r"),
        new("aot", "published Native AOT", System.IO.Path.Combine(options.AotFolder ?? System.IO.Path.Combine(RepositoryRoot.Path, "artifacts", "fhir-bulk-aot"), "fhir-bulk"),
            "dotnet publish src/FhirBulk.Cli -c Release -r linux-x64 -p:PublishAot=true -o artifacts/fhir-bulk-aot"),
    ];

    /// <summary>
    /// The CLI a linux-x64 user gets, of those present: the Native AOT executable, else the published ReadyToRun tool (what
    /// the dotnet tool installs), else the build output.
    /// </summary>
    public static FhirBulkCli Preferred(BenchOptions options) => Present(options).LastOrDefault()
        ?? throw new InvalidOperationException($"No CLI: none of {string.Join(", ", Known(options).Select(c => $"{c.File} ({c.BuildCommand})"))}.");

    /// <summary>
    /// The published CLIs among <paramref name="present"/> (ReadyToRun, then Native AOT), or the last of them alone when none
    /// is published (the build output); empty only when <paramref name="present"/> is: the CLIs a user would run.
    /// </summary>
    public static IReadOnlyList<FhirBulkCli> Published(IReadOnlyList<FhirBulkCli> present) =>
        present.Where(c => c.IsPublished).ToList() is { Count: > 0 } published ? published : [.. present.TakeLast(1)];

    /// <summary>The known CLIs whose file exists, in <see cref="Known"/>'s order.</summary>
    public static IReadOnlyList<FhirBulkCli> Present(BenchOptions options) => [.. Known(options).Where(c => c.Exists)];

    /// <summary>A CLI given by path (<c>--baseline-cli</c>): a <c>.dll</c> is run by <c>dotnet</c>, anything else directly.</summary>
    public static FhirBulkCli FromPath(string name, string label, string file) => new(name, label, System.IO.Path.GetFullPath(file), "");

    public bool Exists => System.IO.File.Exists(File);

    /// <summary>A <c>dotnet X.dll</c> CLI; false for a native executable, where no <c>DOTNET_*</c> runtime knob (tiering, ReadyToRun, PGO) applies.</summary>
    public bool IsManaged => File.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);

    /// <summary>The ReadyToRun or Native AOT publish: what users install, as opposed to the build output.</summary>
    public bool IsPublished => Name is "r2r" or "aot";

    /// <summary>The line saying this CLI was not found and how to make it.</summary>
    public string MissingLine => $"{Label} CLI: {File} not found ({BuildCommand})";

    /// <summary>The whole command line of <c>fhir-bulk ARGS</c>: program first.</summary>
    public string[] Command(params IEnumerable<string> arguments) => IsManaged ? ["dotnet", File, .. arguments] : [File, .. arguments];

    /// <summary>Runs <c>fhir-bulk ARGS</c> as a whole cold process timed by <see cref="TimedProcess"/>.</summary>
    public Task<TimedProcess.Sample> RunAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null) =>
        Prefixed([], arguments, environment);

    /// <summary>Runs <c>PREFIX… fhir-bulk ARGS</c> (e.g. <c>taskset -c 0</c> first) as a whole cold process timed by <see cref="TimedProcess"/>.</summary>
    public Task<TimedProcess.Sample> Prefixed(IReadOnlyList<string> prefix, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        string[] command = [.. prefix, .. Command(arguments)];
        return TimedProcess.RunAsync(command[0], command[1..], environment);
    }

    /// <summary>The command for results files: <c>`dotnet src/…/fhir-bulk.dll`</c> or <c>`/path/fhir-bulk`</c> (relative to the repository when inside it).</summary>
    public string Display
    {
        get
        {
            var relative = System.IO.Path.GetRelativePath(RepositoryRoot.Path, File);
            var shown = relative.StartsWith("..", StringComparison.Ordinal) || System.IO.Path.IsPathRooted(relative) ? File : relative;
            return IsManaged ? $"`dotnet {shown}`" : $"`{shown}`";
        }
    }

    /// <summary>The program as a short command in table cells: <c>dotnet fhir-bulk.dll</c> or <c>fhir-bulk</c>.</summary>
    public string ShortCommand => IsManaged ? "dotnet fhir-bulk.dll" : "fhir-bulk";

    /// <summary>"label (`command`, version V)", for the "CLIs measured" lines: the version names the commit the file was built from, which need not be the checkout's.</summary>
    public string Described => $"{Label} ({Display}, version `{Version}`)";

    /// <summary>What <c>fhir-bulk --version</c> prints (its commit shortened to 7 digits), read once.</summary>
    public string Version => version ??= ReadVersion();

    private string? version;

    private string ReadVersion()
    {
        var command = Command("--version");
        var start = new System.Diagnostics.ProcessStartInfo(command[0], command[1..]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = System.Diagnostics.Process.Start(start)!;
        var printed = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return process.ExitCode != 0 || printed.Length == 0 ? $"unknown (--version exit {process.ExitCode})"
            : printed.Split('+') is [var number, { Length: > 7 } commit] ? $"{number}+{commit[..7]}" : printed;
    }
}
