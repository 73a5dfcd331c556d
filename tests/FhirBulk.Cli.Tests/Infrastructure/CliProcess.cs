using System.Diagnostics;

namespace FhirBulk.Cli.Tests.Infrastructure;

/// <summary>The built <c>fhir-bulk</c> as a process of its own, for what only a process can be given: signals, SIGKILL.</summary>
public static class CliProcess
{
    /// <summary>Starts <c>fhir-bulk</c> with <paramref name="args"/>, its stdout and stderr redirected.</summary>
    public static Process Start(string[] args)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var cli = Path.Combine(RepositoryPaths.Root, "src", "FhirBulk.Cli", "bin", configuration, "net10.0", "fhir-bulk.dll");
        Assert.True(File.Exists(cli), $"{cli} is missing; build src/FhirBulk.Cli");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(cli);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return Process.Start(start)!;
    }
}
