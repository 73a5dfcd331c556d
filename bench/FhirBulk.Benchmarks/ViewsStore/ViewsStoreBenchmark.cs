using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FhirBulk.Benchmarks.Infrastructure;
using FhirBulk.Benchmarks.ViewsCold;
using FhirBulk.Storage;

namespace FhirBulk.Benchmarks.ViewsStore;

/// <summary>
/// Issue 13 item 3: the six shipped workshop views into the Parquet lake, whole cold CLI processes measured from outside,
/// interleaved round by round: input from local files or from s3rver (<c>view --input s3://…</c>), the lake written to a
/// local folder or into s3rver (<c>--out s3://…</c>). With <c>--baseline-cli</c>, the same local run by another build
/// of the CLI (the commit before the lake wrote through the object store), to show what that change costs locally. The CLI
/// is the Native AOT executable when published, else the ReadyToRun tool, else the build output.
/// </summary>
internal static class ViewsStoreBenchmark
{
    private sealed record Variant(string Name, string Label, FhirBulkCli Cli, Func<string, string[]> Arguments);

    private sealed record Run(TimedProcess.Sample Sample, double EmulatorCpuSeconds);

    public static async Task RunAsync(BenchOptions options, Report report)
    {
        report.Heading("Views from and to object storage (issue 13): s3rver against local files");
        if (!TimedProcess.Available)
        {
            throw new InvalidOperationException($"{TimedProcess.TimeProgram} is needed to measure each process's CPU time (apt-get install time).");
        }

        var cli = FhirBulkCli.Preferred(options);

        var generated = Population.TempDir("store-gen");
        var work = Population.TempDir("store-work");
        using var s3rver = await S3rverProcess.StartAsync();

        // The emulator takes any requests signed with its fixed key; the CLI children read it from the AWS chain, as a user's would.
        Environment.SetEnvironmentVariable("AWS_ACCESS_KEY_ID", "S3RVER");
        Environment.SetEnvironmentVariable("AWS_SECRET_ACCESS_KEY", "S3RVER");
        Environment.SetEnvironmentVariable("AWS_REGION", "us-east-1");
        var endpoint = s3rver.Endpoint.ToString();
        try
        {
            var summary = await Population.GenerateAsync(generated, options.ViewsMb);
            var (folder, bytes) = ColdInputs.LinkTypes(generated, ColdInputs.ViewTypes(), "store-in");
            var mb = Measure.Mb(bytes);
            var input = $"s3://{S3rverProcess.Bucket}/input/";
            await UploadAsync(folder, input, s3rver.Endpoint);

            report.Line(string.Create(CultureInfo.InvariantCulture,
                $"\nCLI commit {RunInfo.GitCommit()}, {cli.Described}; the six shipped workshop views; input: {mb:F0} MB of the six types' NDJSON " +
                $"from a generated population ({summary.ResourceCounts["Patient"]:N0} patients, seed 7), page-cached locally and uploaded to s3rver 3.7.1 (node, on this machine, objects on the same disk). " +
                $"Every run is `fhir-bulk view --format parquet --out LAKE --quiet`, a cold process measured by `{TimedProcess.TimeProgram}`; {options.Rounds} interleaved rounds after one untimed, medians; " +
                $"load average {Machine.LoadAverage()} at the start. The emulator's own CPU during each run is read from /proc and shown apart: the CLI's figures are what FhirBulk costs, the emulator's what a local S3 stand-in costs.\n"));

            var variants = new List<Variant>
            {
                new("local", "local files → local lake", cli, dir => ["--input", folder, "--out", Path.Combine(dir, "lake")]),
                new("s3-in", "s3rver → local lake (`--input s3://…`)", cli, dir => ["--input", input, "--s3-endpoint", endpoint, "--out", Path.Combine(dir, "lake")]),
                new("s3-out", "local files → lake in s3rver (`--out s3://…`)", cli, dir => ["--input", folder, "--s3-endpoint", endpoint, "--out", LakeUrl(dir)]),
            };
            if (options.BaselineCli is { } path)
            {
                var baseline = FhirBulkCli.FromPath("baseline", "baseline", path);
                report.Line($"Baseline CLI: {baseline.Display}, measured on the local lake beside this one{(baseline.IsManaged == cli.IsManaged ? "" : $" (mind the kinds: {(baseline.IsManaged ? "a `dotnet` build" : "a native executable")} against {cli.Label})")}.\n");
                variants.Add(new("baseline", "local files → local lake, baseline CLI", baseline, dir => ["--input", folder, "--out", Path.Combine(dir, "lake")]));
            }

            var samples = variants.ToDictionary(v => v.Name, _ => new List<Run>());
            var failures = new Dictionary<string, string>();
            string? lastDir = null;
            for (var round = -1; round < options.Rounds; round++)
            {
                for (var k = 0; k < variants.Count; k++)
                {
                    // Round -1 warms the caches and checks every variant runs; it is not counted.
                    var variant = variants[(k + Math.Max(round, 0)) % variants.Count];
                    if (failures.ContainsKey(variant.Name))
                    {
                        continue;
                    }

                    var dir = Path.Combine(work, $"{variant.Name}-{round + 1}");
                    Directory.CreateDirectory(dir);
                    var emulatorBefore = s3rver.CpuSeconds;
                    var sample = await variant.Cli.RunAsync(["view", "--view", ColdInputs.ViewsFolder, "--format", "parquet", "--quiet", .. variant.Arguments(dir)]);
                    var run = new Run(sample, s3rver.CpuSeconds - emulatorBefore);
                    if (sample.ExitCode != 0)
                    {
                        failures[variant.Name] = $"failed (exit {sample.ExitCode}): {(sample.Stderr + sample.Stdout).Trim().Split('\n')[0]}";
                        continue;
                    }

                    if (round >= 0)
                    {
                        samples[variant.Name].Add(run);
                    }

                    if (variant.Name == "s3-out")
                    {
                        lastDir = dir;
                    }

                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  round {round + 1} {variant.Name}: {sample.WallSeconds:F2} s wall, {sample.CpuSeconds:F2} CPU-s, {sample.PeakRssMb:F0} MB, s3rver {run.EmulatorCpuSeconds:F2} CPU-s, load {Machine.LoadAverage()}"));
                }
            }

            var localWall = Measure.Median(samples["local"].Select(r => r.Sample.WallSeconds));
            var localCpu = Measure.Median(samples["local"].Select(r => r.Sample.CpuSeconds));
            report.Table(
                ["variant", "wall s", "CLI CPU s", "CLI CPU s min–max", "peak RSS MB", "s3rver CPU s", "wall ÷ local", "CLI CPU ÷ local"],
                variants.Select(v => samples[v.Name] is { Count: > 0 } s
                    ? new[]
                    {
                        v.Label, Report.F(Measure.Median(s.Select(r => r.Sample.WallSeconds)), 2), Report.F(Measure.Median(s.Select(r => r.Sample.CpuSeconds)), 2),
                        $"{Report.F(s.Min(r => r.Sample.CpuSeconds), 2)}–{Report.F(s.Max(r => r.Sample.CpuSeconds), 2)}", Report.F(Measure.Median(s.Select(r => r.Sample.PeakRssMb)), 0),
                        Report.F(Measure.Median(s.Select(r => r.EmulatorCpuSeconds)), 2),
                        RunInfo.Ratio(Measure.Median(s.Select(r => r.Sample.WallSeconds)) / localWall), RunInfo.Ratio(Measure.Median(s.Select(r => r.Sample.CpuSeconds)) / localCpu),
                    }
                    : [v.Label, "—", "—", "—", failures.GetValueOrDefault(v.Name, "no sample"), "—", "—", "—"]));

            await SameRowsAsync(report, cli, endpoint, Path.Combine(work, $"local-{options.Rounds}", "lake"), lastDir is null ? null : LakeUrl(lastDir));
        }
        finally
        {
            Directory.Delete(generated, recursive: true);
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>A lake URL per run, so no run replaces another's parts.</summary>
    private static string LakeUrl(string dir) => $"s3://{S3rverProcess.Bucket}/lakes/{Path.GetFileName(dir)}/lake";

    private static async Task UploadAsync(string folder, string input, Uri endpoint)
    {
        using var store = ObjectStore.Create(input, new ObjectStoreOptions { S3Endpoint = endpoint, S3ForcePathStyle = true });
        foreach (var file in Directory.GetFiles(folder))
        {
            await using var content = File.OpenRead(file);
            await store.WriteAsync(Path.GetFileName(file), content);
        }
    }

    /// <summary>The rows per view that <c>view --merge --json</c> reports for the local lake and the one in s3rver.</summary>
    private static async Task SameRowsAsync(Report report, FhirBulkCli cli, string endpoint, string local, string? remote)
    {
        if (remote is null || !Directory.Exists(local))
        {
            report.Line("\nRows: not compared (a variant failed).");
            return;
        }

        async Task<string> RowsAsync(params string[] arguments)
        {
            // Depends on the CLI's --json output.
            var merge = await cli.RunAsync(["view", "--merge", .. arguments, "--json"]);
            return merge.ExitCode == 0 ? JsonDocument.Parse(merge.Stdout).RootElement.GetProperty("rows").GetRawText() : $"exit {merge.ExitCode} ({merge.Stderr.Trim().Split('\n')[0]})";
        }

        var (localRows, remoteRows) = (await RowsAsync(local), await RowsAsync(remote, "--s3-endpoint", endpoint));
        report.Line(localRows == remoteRows
            ? $"\nRows per view, `view --merge --json` of the local lake and of the lake in s3rver (both complete): identical, {localRows.Replace("\n", "", StringComparison.Ordinal).Replace("  ", "", StringComparison.Ordinal)}."
            : $"\nRows per view **differ**: local {localRows}, s3rver {remoteRows}.");
    }
}
