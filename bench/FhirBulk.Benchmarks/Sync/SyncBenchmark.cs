using System.Diagnostics;
using System.Globalization;
using DuckDB.NET.Data;
using FhirBulk.Benchmarks.Infrastructure;
using FhirBulk.Benchmarks.ViewsCold;
using FhirBulk.Server;

namespace FhirBulk.Benchmarks.Sync;

/// <summary>
/// Issue 14: one increment against a full rebuild. A generated population of about <see cref="BenchOptions.ViewsMb"/> MB
/// is served by the embedded server (in this process, on simulated time) and synced once with the six shipped workshop
/// views; then one step is played whose <see cref="PopulationOptions.StepActivity"/> is set so that it touches about 1%
/// of the resources. Measured, each a whole cold CLI process from outside, interleaved round by round: the increment
/// (<c>fhir-bulk sync</c> on a copy of the synced folder) and the full rebuild of the same end state
/// (<c>fhir-bulk export</c> then <c>fhir-bulk view</c> into DuckDB), by each published CLI present (the Native AOT
/// executable and the ReadyToRun tool, or the build output when neither is published). Then the tables are compared row for row.
/// </summary>
internal static class SyncBenchmark
{
    /// <summary>The share of the population's resources the played step should touch (changed, new or deleted).</summary>
    private const double TargetShare = 0.01;

    /// <summary>The issue's goal: an increment costs at most this share of a full rebuild, in CPU and in wall time.</summary>
    private const double Goal = 0.05;

    private sealed record Run(double WallSeconds, double CpuSeconds, double PeakRssMb, string? Failure);

    public static async Task RunAsync(BenchOptions options, Report report)
    {
        report.Heading("Sync: one increment against a full rebuild (issue 14)");
        if (!TimedProcess.Available)
        {
            throw new InvalidOperationException($"{TimedProcess.TimeProgram} is needed to measure each process's CPU time (apt-get install time).");
        }

        var clis = FhirBulkCli.Published(FhirBulkCli.Present(options)) is { Count: > 0 } published ? published : [FhirBulkCli.Preferred(options)];
        var cli = clis[^1];
        var data = Population.TempDir("sync-data");
        var work = Population.TempDir("sync-work");
        try
        {
            const int Seed = 7;
            var patients = await Population.PatientsForAsync(options.ViewsMb);
            var summary = await PopulationGenerator.GenerateAsync(data, new PopulationOptions { Patients = patients, Seed = Seed });
            var resources = summary.ResourceCounts.Values.Sum() + summary.DeletedCount;
            var activity = await SetActivityForTargetAsync(data, patients, Seed, resources);
            await using var server = await BulkDataServer.StartAsync(new BulkDataServerOptions { DataDirectory = data, Steps = 0, RequireAuth = false });
            var url = server.BaseUri.AbsoluteUri;

            // The synced folder every increment starts from: its first, full sync, untimed.
            var synced = Path.Combine(work, "synced");
            var first = await cli.RunAsync(["sync", "--server", url, "--out", synced, "--view", ColdInputs.ViewsFolder, "--quiet"]);
            if (first.ExitCode != 0)
            {
                throw new InvalidOperationException($"The first sync failed (exit {first.ExitCode}): {first.Stderr}");
            }

            await server.AdvanceAsync();
            var (stepResources, stepBytes) = StepSize(data);
            report.Line(string.Create(CultureInfo.InvariantCulture,
                $"\nCLI commit {RunInfo.GitCommit()}; CLIs measured: {string.Join(" and ", clis.Select(c => c.Described))}; the untimed first sync by the {cli.Label} CLI{(cli.IsManaged ? "" : " (what linux-x64 users get)")}; the six shipped workshop views. Population: {Measure.Mb(summary.Bytes):F0} MB of NDJSON, " +
                $"{summary.ResourceCounts["Patient"]:N0} patients, {resources:N0} resources (seed 7). The step played (`StepActivity` {activity:0.###}, calibrated by a trial step for {TargetShare:P0}) " +
                $"touches {stepResources:N0} resources ({(double)stepResources / resources:P2}: new, new versions and deletions), {Measure.Mb(stepBytes):F1} MB. " +
                $"The server runs inside the benchmark process on 127.0.0.1 (its CPU is in neither figure; its time is in the wall). Each variant is whole cold CLI processes measured by `{TimedProcess.TimeProgram}`: " +
                $"**increment** = `fhir-bulk sync --out COPY --view views` on a copy of the synced folder (its tables.duckdb copied, its first increment linked); " +
                $"**full rebuild** = `fhir-bulk export` of the same end state, then `fhir-bulk view --input EXPORT --view views --out tables.duckdb` (wall and CPU of the two summed). " +
                $"{options.Rounds} interleaved rounds after one untimed, medians; load average {Machine.LoadAverage()} at the start.\n"));

            // Per CLI, its increment and its full rebuild, all interleaved; a single CLI keeps the plain names.
            string Name(string what, FhirBulkCli c) => clis.Count == 1 ? what : $"{what} ({c.Name})";
            var variants = clis.SelectMany(c => new (string Name, FhirBulkCli Cli, Func<string, Task<Run>> Start)[]
            {
                (Name("increment", c), c, dir => IncrementAsync(c, synced, dir)),
                (Name("full rebuild", c), c, dir => RebuildAsync(c, url, dir)),
            }).ToArray();
            var samples = variants.ToDictionary(v => v.Name, _ => new List<Run>());
            for (var round = -1; round < options.Rounds; round++)
            {
                for (var k = 0; k < variants.Length; k++)
                {
                    var (name, _, start) = variants[(k + Math.Max(round, 0)) % variants.Length];
                    var dir = Folder(work, name);
                    if (Directory.Exists(dir))
                    {
                        Directory.Delete(dir, recursive: true);
                    }

                    var run = await start(dir);
                    if (run.Failure is { } failure)
                    {
                        throw new InvalidOperationException($"{name}: {failure}");
                    }

                    if (round >= 0)
                    {
                        samples[name].Add(run);
                    }

                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  round {round + 1} {name}: {run.WallSeconds:F2} s wall, {run.CpuSeconds:F2} CPU-s, {run.PeakRssMb:F0} MB, load {Machine.LoadAverage()}"));
                }
            }

            double Median(string name, Func<Run, double> value) => Measure.Median(samples[name].Select(value));
            report.Table(
                ["variant", "wall s", "CPU s", "wall s min–max", "CPU s min–max", "peak RSS MB (largest process)"],
                variants.Select(v => new[]
                {
                    v.Name, Report.F(Median(v.Name, r => r.WallSeconds), 2), Report.F(Median(v.Name, r => r.CpuSeconds), 2),
                    $"{Report.F(samples[v.Name].Min(r => r.WallSeconds), 2)}–{Report.F(samples[v.Name].Max(r => r.WallSeconds), 2)}",
                    $"{Report.F(samples[v.Name].Min(r => r.CpuSeconds), 2)}–{Report.F(samples[v.Name].Max(r => r.CpuSeconds), 2)}",
                    Report.F(Median(v.Name, r => r.PeakRssMb), 0),
                }));
            report.Line("");
            foreach (var c in clis)
            {
                var (increment, rebuild) = (Name("increment", c), Name("full rebuild", c));
                var (wallShare, cpuShare) = (Median(increment, r => r.WallSeconds) / Median(rebuild, r => r.WallSeconds), Median(increment, r => r.CpuSeconds) / Median(rebuild, r => r.CpuSeconds));
                report.Line(string.Create(CultureInfo.InvariantCulture,
                    $"{(clis.Count == 1 ? "The" : $"- {c.Label}: the")} increment costs **{wallShare:P1}** of a full rebuild's wall time and **{cpuShare:P1}** of its CPU time (goal ≤ {Goal:P0}: {(wallShare <= Goal && cpuShare <= Goal ? "met" : "**not met**")})."));
            }

            report.Line($"\nLoad average {Machine.LoadAverage()} at the end.");
            foreach (var c in clis)
            {
                await SameTablesAsync(report, clis.Count == 1 ? "" : $", {c.Label} CLI", Path.Combine(Folder(work, Name("increment", c)), "tables.duckdb"), Path.Combine(Folder(work, Name("full rebuild", c)), "tables.duckdb"));
            }
        }
        finally
        {
            Directory.Delete(data, recursive: true);
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>
    /// The <see cref="PopulationOptions.StepActivity"/> whose first step on <paramref name="data"/> touches about
    /// <see cref="TargetShare"/> of its <paramref name="resources"/>, left as the folder's timeline with no step played. A
    /// step's new patients (one or two, whole histories) are a fixed count and the rest grows in proportion to the activity:
    /// one step at activity 0 on a small population of the same seed gives the fixed part, one trial step on the data itself
    /// the rest.
    /// </summary>
    private static async Task<double> SetActivityForTargetAsync(string data, int patients, int seed, long resources)
    {
        var small = Population.TempDir("sync-calibrate");
        double fixedPart;
        try
        {
            var still = new PopulationOptions { Patients = 300, Seed = seed, StepActivity = 0 };
            await PopulationGenerator.GenerateAsync(small, still);
            await PopulationGenerator.AdvanceAsync(small, still, 1);
            fixedPart = StepSize(small).Resources;
        }
        finally
        {
            Directory.Delete(small, recursive: true);
        }

        var trial = new PopulationOptions { Patients = patients, Seed = seed, StepActivity = 1 };
        await PopulationGenerator.AdvanceAsync(data, trial, 1);
        var perActivity = Math.Max(1, StepSize(data).Resources - fixedPart);
        Directory.Delete(Path.Combine(data, "steps"), recursive: true);

        var activity = Math.Round(Math.Max(0, (TargetShare * resources) - fixedPart) / perActivity, 3);
        await PopulationGenerator.AdvanceAsync(data, new PopulationOptions { Patients = patients, Seed = seed, StepActivity = activity }, 0);
        return activity;
    }

    /// <summary>Lines (resources and deletion Bundles) and bytes of the first step's folder.</summary>
    private static (long Resources, long Bytes) StepSize(string data)
    {
        var files = Directory.GetFiles(Path.Combine(data, "steps", "0001"), "*.ndjson", SearchOption.AllDirectories);
        return (files.Sum(f => File.ReadLines(f).LongCount()), files.Sum(f => new FileInfo(f).Length));
    }

    /// <summary>A variant's own folder under <paramref name="work"/>: "full rebuild (aot)" → full-rebuild-aot.</summary>
    private static string Folder(string work, string variant) => Path.Combine(work, variant.Replace(" (", "-", StringComparison.Ordinal).Replace(")", "", StringComparison.Ordinal).Replace(' ', '-'));

    private static async Task<Run> IncrementAsync(FhirBulkCli cli, string synced, string dir)
    {
        // A copy of the synced folder as the first sync left it: the increment's export and its tables' update are all that run.
        Directory.CreateDirectory(dir);
        foreach (var file in Directory.GetFiles(synced, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(dir, Path.GetRelativePath(synced, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            if (Path.GetFileName(file) is "tables.duckdb" or "sync.json" or "tables.duckdb.wal")
            {
                File.Copy(file, target);
            }
            else
            {
                File.CreateSymbolicLink(target, file);
            }
        }

        var sample = await cli.RunAsync(["sync", "--out", dir, "--view", ColdInputs.ViewsFolder, "--quiet"]);
        return sample.ExitCode == 0
            ? new Run(sample.WallSeconds, sample.CpuSeconds, sample.PeakRssMb, null)
            : new Run(0, 0, 0, $"failed (exit {sample.ExitCode}): {(sample.Stderr + sample.Stdout).Trim()}");
    }

    private static async Task<Run> RebuildAsync(FhirBulkCli cli, string url, string dir)
    {
        var export = Path.Combine(dir, "export");
        var samples = new List<TimedProcess.Sample>
        {
            await cli.RunAsync(["export", "--server", url, "--out", export, "--quiet"]),
        };
        if (samples[0].ExitCode == 0)
        {
            samples.Add(await cli.RunAsync(["view", "--input", export, "--view", ColdInputs.ViewsFolder, "--out", Path.Combine(dir, "tables.duckdb"), "--quiet"]));
        }

        return samples.FirstOrDefault(s => s.ExitCode != 0) is { } failed
            ? new Run(0, 0, 0, $"failed (exit {failed.ExitCode}): {(failed.Stderr + failed.Stdout).Trim()}")
            : new Run(samples.Sum(s => s.WallSeconds), samples.Sum(s => s.CpuSeconds), samples.Max(s => s.PeakRssMb), null);
    }

    /// <summary>Every table of the increment's database holds the full rebuild's rows (the same multiset, key columns left out), by DuckDB.</summary>
    private static async Task SameTablesAsync(Report report, string which, string increment, string rebuild)
    {
        using var connection = new DuckDBConnection("Data Source=:memory:");
        await connection.OpenAsync();
        using (var attach = connection.CreateCommand())
        {
            attach.CommandText = $"ATTACH '{increment.Replace("'", "''", StringComparison.Ordinal)}' AS inc (READ_ONLY); ATTACH '{rebuild.Replace("'", "''", StringComparison.Ordinal)}' AS rebuilt (READ_ONLY)";
            await attach.ExecuteNonQueryAsync();
        }

        var tables = new List<string>();
        using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT table_name FROM duckdb_tables() WHERE database_name = 'rebuilt' ORDER BY 1";
            using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        var lines = new List<string>();
        foreach (var table in tables)
        {
            var (inc, full) = ($"(SELECT * EXCLUDE (_resource_key, _patient_key) FROM inc.\"{table}\")", $"rebuilt.\"{table}\"");
            using var command = connection.CreateCommand();
            command.CommandText =
                $"SELECT (SELECT count(*) FROM {full}), (SELECT count(*) FROM (SELECT * FROM {inc} EXCEPT ALL SELECT * FROM {full})), (SELECT count(*) FROM (SELECT * FROM {full} EXCEPT ALL SELECT * FROM {inc}))";
            using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            var (rows, onlyIncrement, onlyRebuild) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
            lines.Add(onlyIncrement == 0 && onlyRebuild == 0 ? $"{table} {rows:N0} rows, identical" : $"{table}: **{onlyIncrement} rows only in the increment's table, {onlyRebuild} only in the rebuild's**");
        }

        report.Line($"\nTables after the increment against the full rebuild's{which} (DuckDB `EXCEPT ALL` both ways, the key columns left out): {string.Join("; ", lines)}.");
    }
}
