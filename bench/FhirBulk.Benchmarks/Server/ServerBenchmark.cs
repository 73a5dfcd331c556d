using System.Diagnostics;
using FhirBulk.Benchmarks.Infrastructure;
using FhirBulk.Server;

namespace FhirBulk.Benchmarks.Server;

/// <summary>Issue 2: generator speed, kick-off-to-complete for 1,000 patients, file serving next to raw Kestrel.</summary>
internal static class ServerBenchmark
{
    private const int GeneratorMb = 150;
    private const int KickoffPatients = 1000;
    private const int ParallelDownloads = 4;

    public static async Task RunAsync(BenchOptions options, Report report)
    {
        report.Heading("Server (issue 2)");
        await GeneratorAsync(options, report);
        await KickoffAsync(options, report);
        await ServingAsync(options, report);
    }

    private static async Task GeneratorAsync(BenchOptions options, Report report)
    {
        var patients = await Population.PatientsForAsync(GeneratorMb);
        var samples = new List<(double MbPerS, long Bytes, double Seconds)>();
        for (var round = 0; round < options.Rounds; round++)
        {
            var dir = Population.TempDir("generator");
            try
            {
                var watch = Stopwatch.StartNew();
                var summary = await PopulationGenerator.GenerateAsync(dir, patients, seed: round);
                var seconds = watch.Elapsed.TotalSeconds;
                samples.Add((Measure.Mb(summary.Bytes) / seconds, summary.Bytes, seconds));
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        }

        report.Line($"\n### Population generator\n\n{patients:N0} patients (about {GeneratorMb} MB of NDJSON, all types, written to disk), {options.Rounds} runs with different seeds; single thread.\n");
        report.Table(["runs", "MB each (median)", "seconds (median)", "MB/s (median)", "MB/s (min–max)", "patients/s (median)"],
        [[
            options.Rounds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Report.F(Measure.Median(samples.Select(s => Measure.Mb(s.Bytes)))),
            Report.F(Measure.Median(samples.Select(s => s.Seconds)), 2),
            Report.F(Measure.Median(samples.Select(s => s.MbPerS))),
            $"{Report.F(samples.Min(s => s.MbPerS))}–{Report.F(samples.Max(s => s.MbPerS))}",
            Report.F(patients / Measure.Median(samples.Select(s => s.Seconds)), 0),
        ]]);
    }

    private static async Task KickoffAsync(BenchOptions options, Report report)
    {
        await using var server = await BulkDataServer.StartAsync(new BulkDataServerOptions { Patients = KickoffPatients, RequireAuth = false, MaxConcurrentJobsPerClient = 100 });
        using var http = new HttpClient();
        var rows = new List<string[]>();
        foreach (var (label, query) in new[] { ("Patient/$export (all types)", "Patient/$export"), ("$export (system, all types)", "$export"), ("Patient/$export?_type=Patient,Condition", "Patient/$export?_type=Patient,Condition") })
        {
            var seconds = new List<double>();
            long resources = 0;
            var files = 0;
            // One unmeasured warm-up (JIT, page cache), then the measured runs.
            for (var run = 0; run <= Math.Max(options.Rounds, 5); run++)
            {
                var completed = await RawExport.RunAsync(http, server.BaseUri, query);
                await RawExport.DeleteAsync(http, completed.StatusUrl);
                if (run > 0)
                {
                    seconds.Add(completed.KickoffToComplete.TotalSeconds);
                    resources = completed.Output.Sum(o => o.Count);
                    files = completed.Output.Count;
                }
            }

            rows.Add([label, resources.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), files.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Report.F(Measure.Median(seconds), 3), $"{Report.F(seconds.Min(), 3)}–{Report.F(seconds.Max(), 3)}"]);
        }

        report.Line($"\n### Kick-off to complete manifest, {KickoffPatients:N0} generated patients\n\nPlain HttpClient, no auth, status polled every {RawExport.PollInterval.TotalMilliseconds:F0} ms (the figure is the server's time, not Retry-After); the job is deleted after each run; one warm-up run not counted.\n");
        report.Table(["export", "resources", "files", "seconds (median)", "seconds (min–max)"], rows);
    }

    private static async Task ServingAsync(BenchOptions options, Report report)
    {
        var data = Population.TempDir("serve-data");
        var work = Population.TempDir("serve-work");
        try
        {
            await Population.GenerateAsync(data, options.ServeMb);
            await using var server = await BulkDataServer.StartAsync(new BulkDataServerOptions
            {
                DataDirectory = data,
                WorkDirectory = work,
                RequireAuth = false,
                ResourcesPerFile = int.MaxValue,
            });
            using var http = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = System.Net.DecompressionMethods.None, MaxConnectionsPerServer = 16 });
            var completed = await RawExport.RunAsync(http, server.BaseUri, "$export?_type=Observation");
            var ours = completed.Output.Single().Url;
            var file = Directory.EnumerateFiles(Path.Combine(work, "jobs"), "*.ndjson", SearchOption.AllDirectories).MaxBy(f => new FileInfo(f).Length)!;
            var length = new FileInfo(file).Length;
            await using var baseline = await StaticFileBaseline.StartAsync(file);

            var buffers = Enumerable.Range(0, ParallelDownloads).Select(_ => new byte[81920]).ToArray();
            async Task<double> Sequential(Uri url)
            {
                var watch = Stopwatch.StartNew();
                var bytes = await RawExport.DrainAsync(http, url, buffers[0]);
                if (bytes != length)
                {
                    throw new InvalidOperationException($"{url} sent {bytes} bytes, expected {length}.");
                }

                return Measure.Mb(bytes) / watch.Elapsed.TotalSeconds;
            }

            async Task<double> Parallel(Uri url)
            {
                var watch = Stopwatch.StartNew();
                var sizes = await Task.WhenAll(buffers.Select(b => RawExport.DrainAsync(http, url, b)));
                return Measure.Mb(sizes.Sum()) / watch.Elapsed.TotalSeconds;
            }

            // Warm-up: JIT both servers and the client, and put the file in the page cache.
            await Sequential(ours);
            await Sequential(baseline.Url);
            var rounds = Math.Max(options.Rounds, 5);
            var samples = await Measure.InterleavedAsync(rounds,
            [
                ("ours", () => Sequential(ours)),
                ("kestrel", () => Sequential(baseline.Url)),
                ("ours x4", () => Parallel(ours)),
                ("kestrel x4", () => Parallel(baseline.Url)),
            ]);

            report.Line($"\n### File serving over loopback\n\nOne Observation export file of {Measure.Mb(length):F0} MB (page-cached), downloaded by a plain HttpClient in the same process (no gzip, no auth: `requiresAccessToken: false`), {rounds} interleaved rounds after a warm-up. " +
                $"Baseline: a minimal Kestrel app serving the same file with `Results.File` (SendFileAsync). x{ParallelDownloads} = {ParallelDownloads} concurrent downloads of the file (the client's default parallelism).\n");
            var rows = new List<string[]>();
            foreach (var (oursName, baseName, label) in new[] { ("ours", "kestrel", "1 download"), ("ours x4", "kestrel x4", $"{ParallelDownloads} concurrent") })
            {
                var o = Measure.Median(samples[oursName]);
                var b = Measure.Median(samples[baseName]);
                var ratios = samples[oursName].Zip(samples[baseName], (x, y) => x / y).ToList();
                rows.Add([label, Report.F(o, 0), Report.F(b, 0), Report.Percent(o / b), $"{Report.Percent(ratios.Min())}–{Report.Percent(ratios.Max())}", Report.Percent(0.80)]);
            }

            report.Table(["downloads", "FhirBulk server MB/s (median)", "raw Kestrel MB/s (median)", "ratio of medians", "per-round ratio (min–max)", "goal"], rows);
            await RawExport.DeleteAsync(http, completed.StatusUrl);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
            if (Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }
}
