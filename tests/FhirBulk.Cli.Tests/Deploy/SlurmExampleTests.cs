using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using FhirBulk.Cli.Tests.Infrastructure;

namespace FhirBulk.Cli.Tests.Deploy;

/// <summary>
/// Issue 12 item 5: <c>deploy/slurm/run-example.sh</c> end to end on a real single-node Slurm cluster — a generated
/// population, the lake built by an array job of shards (<c>view --shard $SLURM_ARRAY_TASK_ID/N</c>), <c>view --merge</c>,
/// and the lake compared row for row with a single run — using this build of the CLI.
/// </summary>
public sealed class SlurmExampleTests : IDisposable
{
    private readonly TempFolder _temp = new();

    [SlurmFact]
    public async Task RunExample_TwoShardArrayJob_LakeEqualsSingleRun()
    {
        var script = Path.Combine(RepositoryPaths.Root, "deploy", "slurm", "run-example.sh");
        var start = new ProcessStartInfo("bash", [script, "--patients", "40", "--shards", "2", "--work", _temp.File("work")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["FHIR_BULK"] = $"dotnet {Path.Combine(AppContext.BaseDirectory, "fhir-bulk.dll")}";

        // Its own cluster on free ports, never one the developer has running.
        start.Environment.Remove("SLURM_CONF");
        start.Environment["SLURMCTLD_PORT"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["SLURMD_PORT"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var output = await stdout;
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}\n{output}\n{await stderr}");
        Assert.Contains("array job of 2 shards done", output, StringComparison.Ordinal);
        foreach (var view in Directory.GetFiles(Path.Combine(RepositoryPaths.Workshop, "views"), "*.json"))
        {
            Assert.Contains($"{ViewName(view)}: ", output, StringComparison.Ordinal);
        }

        Assert.Equal(6, output.Split('\n').Count(l => l.Contains("rows, the same as the single run", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task RunExample_NoSlurmOnPath_StopsAtTheFirstMessageBeforeGeneratingAnything()
    {
        var script = Path.Combine(RepositoryPaths.Root, "deploy", "slurm", "run-example.sh");
        var start = new ProcessStartInfo("bash", [script, "--patients", "5", "--work", _temp.File("work")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["FHIR_BULK"] = $"dotnet {Path.Combine(AppContext.BaseDirectory, "fhir-bulk.dll")}";
        start.Environment.Remove("SLURM_CONF");
        // A PATH holding bash and coreutils but no Slurm daemon, as on a machine where install.sh never ran.
        start.Environment["PATH"] = string.Join(':', new[] { "/usr/bin", "/bin" }.Where(d => !File.Exists(Path.Combine(d, "slurmctld"))));

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.True(process.ExitCode != 0, $"exit {process.ExitCode}\n{await stdout}\n{stderr}");
        Assert.Equal("start-cluster: slurmctld not found; run deploy/slurm/install.sh first", stderr.Trim());
        Assert.Empty(await stdout);
        Assert.False(Directory.Exists(_temp.File(Path.Combine("work", "input"))));
    }

    public void Dispose()
    {
        // A failed run may leave the cluster's daemons up: stop them before the folder goes.
        var cluster = _temp.File(Path.Combine("work", "cluster"));
        if (Directory.Exists(cluster))
        {
            using var stop = Process.Start("bash", [Path.Combine(RepositoryPaths.Root, "deploy", "slurm", "stop-cluster.sh"), cluster]);
            stop.WaitForExit();
        }

        _temp.Dispose();
    }

    private static string ViewName(string file) =>
        System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(file)).RootElement.GetProperty("name").GetString()!;

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>
/// A fact that needs Slurm and MUNGE (Debian's slurm-wlm and munge, which <c>.ci/run</c> installs) and root, which
/// <c>slurmd</c> needs to start jobs; reported as skipped with what is missing otherwise.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class SlurmFactAttribute : FactAttribute
{
    public SlurmFactAttribute()
    {
        string[] tools = ["/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/sbin/munged", "/usr/bin/sbatch"];
        if (tools.Where(t => !File.Exists(t)).ToList() is { Count: > 0 } missing)
        {
            Skip = $"Slurm not installed ({string.Join(", ", missing)} missing; deploy/slurm/install.sh installs it).";
        }
        else if (Environment.UserName != "root")
        {
            Skip = "slurmd must run as root to start jobs, and this test runs as " + Environment.UserName + ".";
        }
    }
}
