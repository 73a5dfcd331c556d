using System.Diagnostics;

namespace FhirBulk.Cli.Tests.Infrastructure;

/// <summary>The built <c>fhir-bulk</c> as a process of its own, for what only a process can be given: signals, SIGKILL.</summary>
public static class CliProcess
{
    /// <summary>Starts <c>fhir-bulk</c> with <paramref name="args"/>, its stdout and stderr redirected.</summary>
    /// <param name="args">The command line after <c>fhir-bulk</c>.</param>
    /// <param name="hearSigint">
    /// Start it with SIGINT at its default disposition even when this process ignores SIGINT. A shell starts a background
    /// job with SIGINT ignored (POSIX: <c>.ci/run &amp;</c>), every process below it inherits that, and the runtime keeps it,
    /// so a test sending SIGINT would signal a CLI that cannot hear it (the export then simply finishes).
    /// </param>
    public static Process Start(string[] args, bool hearSigint = false)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var cli = Path.Combine(RepositoryPaths.Root, "src", "FhirBulk.Cli", "bin", configuration, "net10.0", "fhir-bulk.dll");
        Assert.True(File.Exists(cli), $"{cli} is missing; build src/FhirBulk.Cli");
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var restore = hearSigint && SigintIgnored();
        var start = new ProcessStartInfo(restore ? "env" : dotnet) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (restore)
        {
            // coreutils' env resets the disposition and execs the CLI, so the process id stays the CLI's.
            start.ArgumentList.Add("--default-signal=INT");
            start.ArgumentList.Add(dotnet);
        }

        start.ArgumentList.Add(cli);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start)!;
    }

    /// <summary>Whether this process ignores SIGINT (signal 2: bit 1 of the <c>SigIgn</c> mask in <c>/proc/self/status</c>; Linux only).</summary>
    private static bool SigintIgnored() =>
        OperatingSystem.IsLinux()
        && File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal)) is { } line
        && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & (1UL << 1)) != 0;
}
