using System.Diagnostics;
using FhirBulk.Cli.Tests.Infrastructure;

namespace FhirBulk.Cli.Tests.Workshop;

/// <summary>
/// Runs examples/workshop/walkthrough.cs exactly as a reader would (<c>dotnet run walkthrough.cs</c>),
/// so the walkthrough cannot rot: it must compile against today's library and reach its last step
/// against the embedded server.
/// </summary>
public sealed class WalkthroughTests
{
    [Fact]
    public async Task Walkthrough_DotnetRun_CompletesEveryStepAgainstTheEmbeddedServer()
    {
        var output = Directory.CreateTempSubdirectory("fhir-bulk-walkthrough-").FullName;
        try
        {
            var (exitCode, stdout, stderr) = await RunAsync(
                Path.Combine(RepositoryPaths.Workshop),
                // The configuration this test was built in: the projects the walkthrough references
                // are then already built, and no second build races the rest of the test run.
                ["run", "-c", BuildConfiguration, "walkthrough.cs", "--", "--out", output],
                TimeSpan.FromMinutes(8));

            Assert.True(exitCode == 0, $"exit {exitCode}\n{stdout}\n{stderr}");
            foreach (var step in new[] { "Discovery", "Access token", "Kick-off", "Polling", "Download", "Tables", "Group export", "Example resource", "Re-processing", "Research questions" })
            {
                Assert.Contains(step, stdout, StringComparison.Ordinal);
            }

            Assert.Matches(@"Patients who ever received an influenza vaccine: \d+", stdout);
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    private static string BuildConfiguration =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string workingDirectory, string[] args, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', args)} did not finish within {timeout}.\n{await stdout}");
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
