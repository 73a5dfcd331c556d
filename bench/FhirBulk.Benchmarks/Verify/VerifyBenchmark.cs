using System.Globalization;
using FhirBulk.Benchmarks.Infrastructure;
using FhirBulk.Export;
using FhirBulk.ExportFolder;
using FhirBulk.Server;

namespace FhirBulk.Benchmarks.Verify;

/// <summary>
/// Issue 9, item 2: checking an export folder (every complete file against its recorded size and SHA-256) "runs at disk
/// speed". A real export folder, written by <see cref="BulkDataClient.ExportToDirectoryAsync"/> from our server so that its
/// state file is the real one, is checked by the CLI a user runs (<c>fhir-bulk inspect --verify</c>; the Native AOT executable
/// when published, else the ReadyToRun tool, else the build output), by the verify-only
/// library call a resume makes (in a process of its own), and by the tools a user would compare it with: <c>sha256sum</c>,
/// <c>openssl dgst -sha256</c> (on one core and on two) and <c>cat</c> (the read ceiling). Every variant is a whole, cold
/// process measured from outside (<see cref="TimedProcess"/>), in interleaved rounds.
/// </summary>
internal static class VerifyBenchmark
{
    public const string VerifyOnlyStep = "verify-only";
    public const string VerifyWarmStep = "verify-warm";
    private const int Parallel = 4;

    private sealed record Variant(string Name, string Label, string Command, Func<Task<TimedProcess.Sample>> Run, Func<TimedProcess.Sample, string?> Problem)
    {
        /// <summary>False for a variant measured only from inside (its whole-process figures answer no user's question).</summary>
        public bool InTable { get; init; } = true;
    }

    public static async Task RunAsync(BenchOptions options, Report report)
    {
        report.Heading("Verify (issue 9)");
        if (!TimedProcess.Available)
        {
            throw new InvalidOperationException($"{TimedProcess.TimeProgram} is needed to measure each process's CPU time (apt-get install time).");
        }

        var cli = FhirBulkCli.Preferred(options);

        var data = Population.TempDir("verify-data");
        var work = Population.TempDir("verify-work");
        var plain = Population.TempDir("verify-plain");
        var gzip = Population.TempDir("verify-gzip");
        try
        {
            var population = await Population.GenerateAsync(data, options.SizeMb);
            ExportResult plainExport, gzipExport;
            await using (var server = await BulkDataServer.StartAsync(new BulkDataServerOptions { DataDirectory = data, WorkDirectory = work, RequireAuth = false, MaxConcurrentJobsPerClient = 100 }))
            {
                plainExport = await ExportAsync(server.BaseUri, plain, compress: false);
                gzipExport = await ExportAsync(server.BaseUri, gzip, compress: true);
            }

            Directory.Delete(data, recursive: true);
            Directory.Delete(work, recursive: true);

            report.Line($"\nThe folders: our server (no auth, 10,000 resources per file) serves a generated population of {Report.F(Measure.Mb(population.Bytes), 0)} MB; " +
                $"`BulkDataClient.ExportToDirectoryAsync` (Patient-level export of all types, {Parallel} downloads at a time) writes it once as plain NDJSON and once with " +
                "`CompressOutput` (what `export --gzip-files` sets), each with its real `.fhir-bulk-state.json`. " +
                $"CLI: {cli.Described} built from commit {RunInfo.GitCommit()} (`{cli.BuildCommand}`).\n");
            report.Line($"Every variant is a separate whole process started cold (runtime start and JIT included for the .NET ones), measured from outside by `{TimedProcess.TimeProgram}`: " +
                $"wall time, user + system CPU of the process and all it waited for, peak RSS. {options.Rounds} interleaved rounds (the order rotates each round); medians. " +
                "MB = 2^20 bytes of files on disk, GB = 2^30. The files are page-cached: each was read once (a `sha256sum` compared with the recorded hashes) before the rounds, " +
                "on a machine with far more free RAM than the data, and caches cannot be dropped here; the figures are therefore CPU (hash) bound, not disk bound.\n");

            await MeasureFolderAsync(options, report, "Plain NDJSON (`<Type>.<NNN>.ndjson`)", plain, plainExport, cli);
            await MeasureFolderAsync(options, report, "Gzip files (`<Type>.<NNN>.ndjson.gz`, `--gzip-files`)", gzip, gzipExport, cli);
        }
        finally
        {
            foreach (var dir in new[] { data, work, plain, gzip })
            {
                if (Directory.Exists(dir))
                {
                    Directory.Delete(dir, recursive: true);
                }
            }
        }
    }

    /// <summary>
    /// The verify-only child: <see cref="ExportFolderVerifier.VerifyAsync"/> as a resume runs it, in a fresh process; with
    /// <paramref name="calls"/> = 2 the second call shows the per-byte cost once the code is jitted and the state type loaded.
    /// </summary>
    public static async Task<int> VerifyChildAsync(string folder, int calls)
    {
        ExportFolderVerification result = null!;
        for (var call = 1; call <= calls; call++)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var cpu = PeakMemory.CpuSeconds();
            result = await ExportFolderVerifier.VerifyAsync(folder);
            var suffix = call == 1 ? "" : call.ToString(CultureInfo.InvariantCulture);
            PeakMemory.Report("seconds_call" + suffix, watch.Elapsed.TotalSeconds);
            PeakMemory.Report("cpu_seconds_call" + suffix, PeakMemory.CpuSeconds() - cpu);
        }

        PeakMemory.Report("files", result.FilesChecked);
        PeakMemory.Report("bytes", result.Bytes);
        PeakMemory.Report("intact", result.IsIntact ? 1 : 0);
        foreach (var problem in result.Problems)
        {
            Console.Error.WriteLine(problem);
        }

        return result.IsIntact ? 0 : 6;
    }

    private static async Task<ExportResult> ExportAsync(Uri fhirBase, string directory, bool compress)
    {
        using var client = new BulkDataClient(fhirBase, new BulkDataClientOptions { MaxParallelDownloads = Parallel, CompressOutput = compress });
        var result = await client.ExportToDirectoryAsync(new ExportRequest(), directory);
        if (result.Outcome != ExportOutcome.Success || !File.Exists(Path.Combine(directory, ExportFolderLayout.StateFileName)))
        {
            throw new InvalidOperationException($"The export into {directory} did not succeed ({result.Outcome}).");
        }

        return result;
    }

    private static async Task MeasureFolderAsync(BenchOptions options, Report report, string title, string folder, ExportResult export, FhirBulkCli cli)
    {
        var complete = export.Files.Where(f => f.Status == ExportFileStatus.Complete).ToList();
        var files = complete.Select(f => ExportFolderLayout.FullPath(folder, f.FileName)).ToList();
        var stored = files.Sum(f => new FileInfo(f).Length);
        var ndjson = complete.Sum(f => f.Bytes);
        var list = Path.Combine(Path.GetTempPath(), $"fhirbulk-bench-verify-{Guid.NewGuid():N}.list");
        await File.WriteAllTextAsync(list, string.Concat(files.Select(f => f + '\0')));
        try
        {
            await CheckHashesAsync(complete, files);
            Variant[] variants =
            [
                new("cli-verify", "**FhirBulk CLI `inspect --verify`** (verify, then read and count every line)", $"`{cli.ShortCommand} inspect --verify DIR`",
                    () => cli.RunAsync(["inspect", "--verify", folder]),
                    s => s.ExitCode == 0 && s.Stdout.Contains($"Verified: {Counted.Of(complete.Count, "complete file")} match", StringComparison.Ordinal) ? null : "did not report every file verified"),
                new("verify-only", "**FhirBulk `ExportFolderVerifier.VerifyAsync`** alone (what a resume runs), own process", $"bench child `{VerifyOnlyStep} DIR`",
                    () => ChildAsync(VerifyOnlyStep, folder),
                    s => s.ExitCode == 0 && s.Stdout.Contains("intact=1", StringComparison.Ordinal) && s.Stdout.Contains($"files={complete.Count}\n", StringComparison.Ordinal) ? null : "did not find every file intact"),
                new("verify-warm", "verify twice in one process (only the second call is reported)", $"bench child `{VerifyWarmStep} DIR`",
                    () => ChildAsync(VerifyWarmStep, folder),
                    s => s.ExitCode == 0 && s.Stdout.Contains("intact=1", StringComparison.Ordinal) ? null : "did not find every file intact") { InTable = false },
                new("cli-inspect", "FhirBulk CLI `inspect` without `--verify` (read and count every line)", $"`{cli.ShortCommand} inspect DIR`",
                    () => cli.RunAsync(["inspect", folder]),
                    s => s.ExitCode == 0 ? null : "failed"),
                new("sha256sum", "`sha256sum` (coreutils, one core)", "`sha256sum FILES > /dev/null`",
                    () => TimedProcess.ShellAsync("sha256sum \"$@\" > /dev/null", files), s => s.ExitCode == 0 ? null : "failed"),
                new("openssl", "`openssl dgst -sha256` (one core)", "`openssl dgst -sha256 FILES > /dev/null`",
                    () => TimedProcess.ShellAsync("openssl dgst -sha256 \"$@\" > /dev/null", files), s => s.ExitCode == 0 ? null : "failed"),
                new("openssl-2", $"`openssl dgst -sha256` on {Environment.ProcessorCount} cores (the verifier's parallelism)", $"`xargs -0 -P {Environment.ProcessorCount} -n 4 openssl dgst -sha256 < LIST > /dev/null`",
                    () => TimedProcess.ShellAsync($"xargs -0 -P {Environment.ProcessorCount} -n 4 openssl dgst -sha256 < \"$1\" > /dev/null", [list]), s => s.ExitCode == 0 ? null : "failed"),
                new("cat", "`cat` (the read ceiling, page cache)", "`cat FILES > /dev/null`",
                    () => TimedProcess.ShellAsync("cat \"$@\" > /dev/null", files), s => s.ExitCode == 0 ? null : "failed"),
            ];

            // One untimed run of each first, so that no variant pays for loading its own program files from disk in round 1.
            foreach (var variant in variants)
            {
                _ = await variant.Run();
            }

            var loadBefore = Machine.LoadAverage();
            var samples = variants.ToDictionary(v => v.Name, _ => new List<TimedProcess.Sample>());
            for (var round = 0; round < options.Rounds; round++)
            {
                for (var k = 0; k < variants.Length; k++)
                {
                    var variant = variants[(k + round) % variants.Length];
                    var sample = await variant.Run();
                    if (variant.Problem(sample) is { } problem)
                    {
                        throw new InvalidOperationException($"{variant.Name} on {folder}: {problem} (exit {sample.ExitCode}): {sample.Stderr}{sample.Stdout}");
                    }

                    samples[variant.Name].Add(sample);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  {title[..Math.Min(12, title.Length)]} round {round + 1} {variant.Name}: {sample.WallSeconds:F2} s wall, {sample.CpuSeconds:F2} CPU-s, {sample.PeakRssMb:F0} MB RSS, load {Machine.LoadAverage()}"));
                }
            }

            var loadAfter = Machine.LoadAverage();
            var mb = Measure.Mb(stored);
            var gb = stored / (double)(1L << 30);
            double Rate(TimedProcess.Sample s) => mb / s.WallSeconds;
            double MedianRate(string name) => Measure.Median(samples[name].Select(Rate));
            double MedianCpu(string name) => Measure.Median(samples[name].Select(s => s.CpuSeconds));
            var compressed = stored != ndjson;

            report.Heading(title);
            report.Line(string.Create(CultureInfo.InvariantCulture,
                $"{complete.Count:N0} complete files, {mb:N0} MB on disk{(compressed ? $" ({Measure.Mb(ndjson):N0} MB of NDJSON)" : "")}, {complete.Sum(f => f.Resources):N0} resources. Load average {loadBefore} before the rounds, {loadAfter} after.\n"));
            var headers = new List<string> { "variant", "command", "MB/s (median)", "MB/s (min–max)", "wall s", "CPU s", "CPU-s per GB", "MB per CPU-s" };
            if (compressed)
            {
                headers.Add("NDJSON MB/s");
            }

            headers.AddRange(["throughput vs sha256sum", "vs openssl (1 core)", "peak RSS MB"]);
            var rows = new List<string[]>();
            foreach (var variant in variants.Where(v => v.InTable))
            {
                var s = samples[variant.Name];
                var rates = s.Select(Rate).ToList();
                var cpu = MedianCpu(variant.Name);
                var row = new List<string>
                {
                    variant.Label, variant.Command, Report.F(MedianRate(variant.Name), 0), $"{Report.F(rates.Min(), 0)}–{Report.F(rates.Max(), 0)}",
                    Report.F(Measure.Median(s.Select(x => x.WallSeconds)), 2), Cpu(cpu), cpu >= 0.01 ? Report.F(cpu / gb, 2) : "—", cpu >= 0.01 ? Report.F(mb / cpu, 0) : "—",
                };
                if (compressed)
                {
                    row.Add(Report.F(Measure.Mb(ndjson) / Measure.Median(s.Select(x => x.WallSeconds)), 0));
                }

                row.AddRange([RunInfo.Ratio(MedianRate(variant.Name) / MedianRate("sha256sum")), RunInfo.Ratio(MedianRate(variant.Name) / MedianRate("openssl")),
                    Report.F(Measure.Median(s.Select(x => x.PeakRssMb)), 0)]);
                rows.Add([.. row]);
            }

            report.Table([.. headers], rows);

            string PerRound(string a, string b) => string.Join(", ", samples[a].Zip(samples[b], (x, y) => RunInfo.Ratio(Rate(x) / Rate(y))));
            var call = samples["verify-only"].Select(s => RunInfo.ParseValues(s.Stdout)).ToList();
            var warm = samples["verify-warm"].Select(s => RunInfo.ParseValues(s.Stdout)).ToList();
            var warmSeconds = Measure.Median(warm.Select(v => v["seconds_call2"]));
            var warmCpu = Measure.Median(warm.Select(v => v["cpu_seconds_call2"]));
            var callSeconds = Measure.Median(call.Select(v => v["seconds_call"]));
            var callCpu = Measure.Median(call.Select(v => v["cpu_seconds_call"]));
            report.Line(string.Create(CultureInfo.InvariantCulture,
                $"\n- verify-only / sha256sum throughput: **{RunInfo.Ratio(MedianRate("verify-only") / MedianRate("sha256sum"))}** (per round {PerRound("verify-only", "sha256sum")}); CPU per GB {RunInfo.Ratio(MedianCpu("verify-only") / MedianCpu("sha256sum"))} of sha256sum's."));
            report.Line(string.Create(CultureInfo.InvariantCulture,
                $"- verify-only / openssl (one core) throughput: {RunInfo.Ratio(MedianRate("verify-only") / MedianRate("openssl"))} (per round {PerRound("verify-only", "openssl")}); CPU per GB {RunInfo.Ratio(MedianCpu("verify-only") / MedianCpu("openssl"))} of openssl's. " +
                $"Against openssl on {Environment.ProcessorCount} cores: {RunInfo.Ratio(MedianRate("verify-only") / MedianRate("openssl-2"))} throughput (per round {PerRound("verify-only", "openssl-2")}), CPU {RunInfo.Ratio(MedianCpu("verify-only") / MedianCpu("openssl-2"))}."));
            report.Line(string.Create(CultureInfo.InvariantCulture,
                $"- CLI `inspect --verify` / sha256sum throughput: {RunInfo.Ratio(MedianRate("cli-verify") / MedianRate("sha256sum"))} (per round {PerRound("cli-verify", "sha256sum")}); `inspect --verify` / verify-only: {RunInfo.Ratio(MedianRate("cli-verify") / MedianRate("verify-only"))}."));
            report.Line(string.Create(CultureInfo.InvariantCulture,
                $"- Inside the verify-only process, the `VerifyAsync` call itself took {callSeconds:F2} s and {callCpu:F2} CPU-s (median; {mb / callSeconds:F0} MB/s, {callCpu / gb:F2} CPU-s per GB); " +
                $"the rest of the process's {Measure.Median(samples["verify-only"].Select(s => s.WallSeconds)):F2} s / {MedianCpu("verify-only"):F2} CPU-s is runtime start and exit. " +
                $"A second call in the same process (interleaved with the others, {options.Rounds} rounds) took {warmSeconds:F2} s and {warmCpu:F2} CPU-s ({mb / warmSeconds:F0} MB/s, {warmCpu / gb:F2} CPU-s per GB): the per-byte cost once the code is jitted."));
            report.Line(string.Create(CultureInfo.InvariantCulture,
                $"- Page-cached, verify-only ran at {MedianRate("verify-only"):F0} MB/s wall ({mb / MedianCpu("verify-only"):F0} MB per CPU-second); a disk that reads slower than that would be the limit instead. `cat` shows reading alone at {MedianRate("cat"):F0} MB/s."));
        }
        finally
        {
            File.Delete(list);
        }
    }

    /// <summary>Hashes every file once with sha256sum and compares with the state: warms the page cache and shows the recorded hashes are of the bytes on disk.</summary>
    private static async Task CheckHashesAsync(IReadOnlyList<ExportFileState> complete, IReadOnlyList<string> files)
    {
        var run = await TimedProcess.RunAsync("sha256sum", files);
        var hashes = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l[..64]).ToList();
        for (var i = 0; i < complete.Count; i++)
        {
            var expected = complete[i].StoredSha256 ?? complete[i].Sha256;
            if (run.ExitCode != 0 || hashes.Count != complete.Count || hashes[i] != expected)
            {
                throw new InvalidOperationException($"sha256sum of {files[i]} is not the recorded {expected}: {run.Stderr}");
            }
        }
    }

    private static Task<TimedProcess.Sample> ChildAsync(params string[] args)
    {
        var (program, arguments) = PeakMemory.ChildCommand(args);
        return TimedProcess.RunAsync(program, arguments);
    }

    /// <summary>CPU seconds as <c>/usr/bin/time</c> measures them, to 10 ms.</summary>
    private static string Cpu(double seconds) => seconds >= 0.01 ? Report.F(seconds, 2) : "< 0.01";

}
