using System.Diagnostics;
using System.Globalization;
using DuckDB.NET.Data;
using FhirBulk.Benchmarks.Infrastructure;
using FhirBulk.Benchmarks.ViewsCold;

namespace FhirBulk.Benchmarks.Shards;

/// <summary>
/// Issue 12: the six shipped workshop views into the Parquet lake, as one run and as shards
/// (<c>fhir-bulk view --shard K/N</c>), every run a whole cold process measured from outside, interleaved round by
/// round: one process on all cores, one process on one core, two shards side by side (each free to use both cores),
/// and two shards each pinned to its own core — a cluster's array job with one core per task, in miniature. Then the
/// peak RSS of one shard at 1× and 8× the input, and a check that the shards' lake holds the single run's rows.
/// </summary>
internal static class ShardsBenchmark
{
    private const string Taskset = "/usr/bin/taskset";

    private sealed record Variant(string Name, string Label, Func<string, Task<Run>> Start);

    /// <summary>One variant's processes: wall until the last ends, CPU summed, peak RSS of the largest.</summary>
    private sealed record Run(double WallSeconds, double CpuSeconds, double PeakRssMb, string? Failure);

    public static async Task RunAsync(BenchOptions options, Report report)
    {
        report.Heading("Shards into the Parquet lake (issue 12)");
        if (!TimedProcess.Available)
        {
            throw new InvalidOperationException($"{TimedProcess.TimeProgram} is needed to measure each process's CPU time (apt-get install time).");
        }

        var cli = FhirBulkCli.Preferred(options);
        var pinned = Environment.ProcessorCount >= 2 && File.Exists(Taskset);
        var types = ColdInputs.ViewTypes();
        var generated = Population.TempDir("shards-gen");
        var work = Population.TempDir("shards-work");
        try
        {
            var summary = await Population.GenerateAsync(generated, options.ViewsMb);
            var (folder, bytes) = ColdInputs.LinkTypes(generated, types, "shards-in");
            var mb = Measure.Mb(bytes);
            var input = string.Create(CultureInfo.InvariantCulture,
                $"{mb:F0} MB of the six types' NDJSON from a generated population ({summary.ResourceCounts["Patient"]:N0} patients, seed 7), page-cached");
            report.Line($"\nCLI commit {RunInfo.GitCommit()}, {cli.Described}; the six shipped workshop views; input: {input}. " +
                $"Every run is `fhir-bulk view --format parquet --out DIR` (the lake), each process cold and measured by `{TimedProcess.TimeProgram}`; " +
                $"{options.Rounds} interleaved rounds after one untimed, medians; load average {Machine.LoadAverage()} at the start. " +
                "A variant of two shards starts both processes at once: its wall is until the last ends, its CPU the sum of both.\n");

            var variants = new List<Variant>
            {
                new("one", "one run, all cores", dir => Together(dir, cli, folder, [(null, null)])),
                new("two", "two shards side by side, each on all cores", dir => Together(dir, cli, folder, [("0/2", null), ("1/2", null)])),
            };
            if (pinned)
            {
                variants.Insert(1, new("one-core", "one run pinned to one core (`taskset -c 0`)", dir => Together(dir, cli, folder, [(null, "0")])));
                variants.Add(new("two-pinned", "two shards, each pinned to its own core (an array job, one core per task)", dir => Together(dir, cli, folder, [("0/2", "0"), ("1/2", "1")])));
            }
            else
            {
                report.Line($"- skipped: the pinned variants need two cores and {Taskset} (util-linux).");
            }

            var samples = variants.ToDictionary(v => v.Name, _ => new List<Run>());
            var failures = new Dictionary<string, string>();
            for (var round = -1; round < options.Rounds; round++)
            {
                for (var k = 0; k < variants.Count; k++)
                {
                    // Round -1 warms the page cache and checks every variant runs; it is not counted.
                    var variant = variants[(k + Math.Max(round, 0)) % variants.Count];
                    if (failures.ContainsKey(variant.Name))
                    {
                        continue;
                    }

                    var dir = Fresh(Path.Combine(work, variant.Name));
                    var run = await variant.Start(dir);
                    if (run.Failure is { } failure)
                    {
                        failures[variant.Name] = failure;
                        continue;
                    }

                    if (round >= 0)
                    {
                        samples[variant.Name].Add(run);
                    }

                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  round {round + 1} {variant.Name}: {run.WallSeconds:F2} s wall, {run.CpuSeconds:F2} CPU-s, {run.PeakRssMb:F0} MB, load {Machine.LoadAverage()}"));
                }
            }

            var oneWall = samples["one"].Count > 0 ? Measure.Median(samples["one"].Select(r => r.WallSeconds)) : double.NaN;
            report.Table(
                ["variant", "wall s", "CPU s (sum)", "CPU s min–max", "peak RSS MB (largest process)", "MB per CPU-second", "MB per wall second", "wall ÷ one run's"],
                variants.Select(v => samples[v.Name] is { Count: > 0 } s
                    ? new[]
                    {
                        v.Label, Report.F(Measure.Median(s.Select(r => r.WallSeconds)), 2), Report.F(Measure.Median(s.Select(r => r.CpuSeconds)), 2),
                        $"{Report.F(s.Min(r => r.CpuSeconds), 2)}–{Report.F(s.Max(r => r.CpuSeconds), 2)}", Report.F(Measure.Median(s.Select(r => r.PeakRssMb)), 0),
                        Report.F(mb / Measure.Median(s.Select(r => r.CpuSeconds)), 0), Report.F(mb / Measure.Median(s.Select(r => r.WallSeconds)), 0),
                        RunInfo.Ratio(Measure.Median(s.Select(r => r.WallSeconds)) / oneWall),
                    }
                    : [v.Label, "—", "—", "—", failures.GetValueOrDefault(v.Name, "no sample"), "—", "—", "—"]));
            if (pinned && samples["one-core"].Count > 0 && samples["two-pinned"].Count > 0)
            {
                var speedup = Measure.Median(samples["one-core"].Select(r => r.WallSeconds)) / Measure.Median(samples["two-pinned"].Select(r => r.WallSeconds));
                report.Line(string.Create(CultureInfo.InvariantCulture, $"\nTwo one-core shards against one one-core run: **{speedup:F2}×** wall."));
            }

            await SameRowsAsync(report, Path.Combine(work, "one", "lake"), Path.Combine(work, "two", "lake"));
            Directory.Delete(folder, recursive: true);
            await MemoryAsync(report, cli, generated, types, work);
        }
        finally
        {
            Directory.Delete(generated, recursive: true);
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Starts one process per (shard, cores) at once, all writing into one lake under <paramref name="dir"/>.</summary>
    private static async Task<Run> Together(string dir, FhirBulkCli cli, string folder, (string? Shard, string? Cores)[] processes)
    {
        var lake = Path.Combine(dir, "lake");
        var watch = Stopwatch.StartNew();
        var samples = await Task.WhenAll(processes.Select(p => View(cli, folder, lake, p.Shard, p.Cores)));
        var wall = watch.Elapsed.TotalSeconds;
        if (samples.FirstOrDefault(s => s.ExitCode != 0) is { } failed)
        {
            return new Run(wall, 0, 0, $"failed (exit {failed.ExitCode}): {(failed.Stderr + failed.Stdout).Trim().Split('\n')[0]}");
        }

        return new Run(wall, samples.Sum(s => s.CpuSeconds), samples.Max(s => s.PeakRssMb), null);
    }

    private static Task<TimedProcess.Sample> View(FhirBulkCli cli, string folder, string lake, string? shard, string? cores) =>
        cli.Prefixed(cores is null ? [] : [Taskset, "-c", cores], ["view", "--input", folder, "--view", ColdInputs.ViewsFolder, "--format", "parquet", "--out", lake, "--quiet",
            .. shard is null ? Array.Empty<string>() : ["--shard", shard]]);

    /// <summary>Every view's table in the shards' lake holds the single run's rows (the same multiset), by DuckDB.</summary>
    private static async Task SameRowsAsync(Report report, string single, string sharded)
    {
        if (!Directory.Exists(single) || !Directory.Exists(sharded))
        {
            report.Line("\nRows: not compared (a variant failed).");
            return;
        }

        using var connection = new DuckDBConnection("Data Source=:memory:");
        await connection.OpenAsync();
        var lines = new List<string>();
        foreach (var table in Directory.GetDirectories(single).Select(Path.GetFileName).Where(n => !n!.StartsWith('_')).Order(StringComparer.Ordinal))
        {
            string Parts(string lake) => Path.Combine(lake, table!, "*.parquet").Replace("'", "''", StringComparison.Ordinal);
            using var command = connection.CreateCommand();
            command.CommandText =
                $"SELECT (SELECT count(*) FROM read_parquet('{Parts(single)}')), " +
                $"(SELECT count(*) FROM (SELECT * FROM read_parquet('{Parts(single)}') EXCEPT ALL SELECT * FROM read_parquet('{Parts(sharded)}'))), " +
                $"(SELECT count(*) FROM (SELECT * FROM read_parquet('{Parts(sharded)}') EXCEPT ALL SELECT * FROM read_parquet('{Parts(single)}')))";
            using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            var (rows, onlySingle, onlySharded) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
            lines.Add(onlySingle == 0 && onlySharded == 0 ? $"{table} {rows:N0} rows, identical" : $"{table}: **{onlySingle} rows only in the single run, {onlySharded} only in the shards**");
        }

        report.Line($"\nRows, the two-shard lake against the single run's (DuckDB `EXCEPT ALL` both ways over `read_parquet('<lake>/<view>/*.parquet')`): {string.Join("; ", lines)}.");
    }

    /// <summary>Peak RSS of shard 1 of 2 at 1× and 8× the input (the 8× as links, so it costs no disk): memory must not grow with the input.</summary>
    private static async Task MemoryAsync(Report report, FhirBulkCli cli, string generated, IReadOnlyList<string> types, string work)
    {
        var rows = new List<string[]>();
        foreach (var copies in new[] { 1, 8 })
        {
            var (folder, bytes) = ColdInputs.LinkTypes(generated, types, $"shards-mem-{copies}", copies);
            try
            {
                var sample = await View(cli, folder, Path.Combine(Fresh(Path.Combine(work, $"mem-{copies}")), "lake"), "0/2", null);
                rows.Add(sample.ExitCode == 0
                    ? [$"{copies}×", Report.F(Measure.Mb(bytes), 0), Report.F(sample.WallSeconds, 2), Report.F(sample.CpuSeconds, 2), Report.F(sample.PeakRssMb, 0)]
                    : [$"{copies}×", Report.F(Measure.Mb(bytes), 0), "—", "—", $"failed (exit {sample.ExitCode}): {(sample.Stderr + sample.Stdout).Trim().Split('\n')[0]}"]);
                Console.WriteLine($"  memory {copies}×: {rows[^1][4]} MB");
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        }

        report.Line("\nPeak memory of one shard (`--shard 0/2`, all cores), one run each:\n");
        report.Table(["input", "MB (whole input)", "wall s", "CPU s", "peak RSS MB"], rows);
    }

    private static string Fresh(string dir)
    {
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }

        Directory.CreateDirectory(dir);
        return dir;
    }
}
