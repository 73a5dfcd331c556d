using System.Globalization;
using FhirBulk.Benchmarks.Infrastructure;
using FhirBulk.Server;

namespace FhirBulk.Benchmarks.Download;

/// <summary>
/// Issue 3: our client exporting a multi-GB population from our server, next to a plain HttpClient
/// copy of the same files; each run is a child process so its peak memory is its own. Two export
/// sizes show whether memory grows with the export.
/// </summary>
internal static class DownloadBenchmark
{
    public const int Parallel = 4;

    private static readonly (string Name, string Label, string Step)[] Variants =
    [
        ("client", "FhirBulk client, `ExportToDirectoryAsync` (verify, SHA-256, state, log)", ClientDownload.ExportStep),
        ("client-download", "FhirBulk client, `DownloadAsync(manifest)`", ClientDownload.DownloadStep),
        ("raw", "raw HttpClient copy", "raw-download"),
        ("raw-gzip", "raw HttpClient copy with Accept-Encoding: gzip", "raw-gzip-download"),
        ("raw-fsync", "raw HttpClient copy + fsync of each file (the durability our client gives)", "raw-fsync-download"),
    ];

    public static async Task RunAsync(BenchOptions options, Report report)
    {
        report.Heading("Download (issue 3)");
        var sizes = new[] { Math.Max(50, options.SizeMb / 4), options.SizeMb };
        var rows = new List<string[]>();
        var ratios = new List<string>();
        foreach (var size in sizes)
        {
            var data = Population.TempDir("download-data");
            var work = Population.TempDir("download-work");
            var output = Population.TempDir("download-out");
            try
            {
                await Population.GenerateAsync(data, size);
                await using var server = await BulkDataServer.StartAsync(new BulkDataServerOptions { DataDirectory = data, WorkDirectory = work, RequireAuth = false, MaxConcurrentJobsPerClient = 100 });
                var samples = Variants.ToDictionary(v => v.Name, _ => new List<Dictionary<string, string>>());
                for (var round = 0; round < options.Rounds; round++)
                {
                    for (var k = 0; k < Variants.Length; k++)
                    {
                        var variant = Variants[(k + round) % Variants.Length];
                        var result = await PeakMemory.RunChildAsync(variant.Step, server.BaseUri.ToString(), output, Parallel.ToString(CultureInfo.InvariantCulture));
                        samples[variant.Name].Add(result);
                        Console.WriteLine($"  {size} MB round {round + 1} {variant.Name}: {string.Join(", ", result.Select(r => $"{r.Key}={r.Value}"))}");
                        foreach (var file in Directory.EnumerateFileSystemEntries(output))
                        {
                            if (Directory.Exists(file))
                            {
                                Directory.Delete(file, recursive: true);
                            }
                            else
                            {
                                File.Delete(file);
                            }
                        }
                    }
                }

                double Median(string variant, string key) => Measure.Median(samples[variant].Select(s => double.Parse(s[key], CultureInfo.InvariantCulture)));
                double CpuMsPerMb(Dictionary<string, string> s) => 1000 * double.Parse(s["cpu_seconds_download"], CultureInfo.InvariantCulture) / Measure.Mb(long.Parse(s["bytes"], CultureInfo.InvariantCulture));
                double Rate(Dictionary<string, string> s) => Measure.Mb(long.Parse(s["bytes"], CultureInfo.InvariantCulture)) / double.Parse(s["seconds_download"], CultureInfo.InvariantCulture);
                foreach (var (name, label, _) in Variants)
                {
                    var rates = samples[name].Select(Rate).ToList();
                    rows.Add([Report.F(Measure.Mb((long)Median(name, "bytes")), 0), label, Median(name, "files").ToString("F0", CultureInfo.InvariantCulture),
                        Report.F(Measure.Median(rates), 0), $"{Report.F(rates.Min(), 0)}–{Report.F(rates.Max(), 0)}",
                        Report.F(Median(name, "seconds_download"), 1), Report.F(Median(name, "seconds_total"), 1),
                        Report.F(Measure.Median(samples[name].Select(CpuMsPerMb)), 2),
                        Report.F(Median(name, "peak_mb"), 0), Report.F(samples[name].Max(s => double.Parse(s["peak_mb"], CultureInfo.InvariantCulture)), 0)]);
                }

                foreach (var client in new[] { "client", "client-download" })
                {
                    var perRound = samples[client].Zip(samples["raw"], (c, r) => Rate(c) / Rate(r)).ToList();
                    ratios.Add($"{size} MB export, {client} / raw download throughput: {Report.Percent(Measure.Median(samples[client].Select(Rate)) / Measure.Median(samples["raw"].Select(Rate)))} " +
                        $"(ratio of medians; per round {string.Join(", ", perRound.Select(Report.Percent))}); goal ≥ 90%. " +
                        $"Against the raw copy with fsync: {Report.Percent(Measure.Median(samples[client].Select(Rate)) / Measure.Median(samples["raw-fsync"].Select(Rate)))}.");
                }
            }
            finally
            {
                foreach (var dir in new[] { data, work, output })
                {
                    if (Directory.Exists(dir))
                    {
                        Directory.Delete(dir, recursive: true);
                    }
                }
            }
        }

        report.Line($"\nOur server (no auth: `requiresAccessToken: false`, 10,000 resources per file) on 127.0.0.1 serves a generated population; a Patient-level export of all types is downloaded to disk, {Parallel} files at a time, " +
            $"by each variant in its own child process, {options.Rounds} interleaved rounds per size. Download MB/s = bytes on disk / time from manifest to last file written. " +
            "Total = kick-off to last file (the raw copy polls every 10 ms; our client honours the server's Retry-After, so its total includes polite waiting). " +
            "CPU = the downloader process's user + system time during the download phase, per MB on disk (the server's share is not in it). Peak = the child's VmHWM.\n");
        report.Table(["export MB", "downloader", "files", "download MB/s (median)", "MB/s (min–max)", "download s", "total s", "downloader CPU ms per MB", "peak RSS MB (median)", "peak RSS MB (max)"], rows);
        foreach (var ratio in ratios)
        {
            report.Line($"- {ratio}");
        }

        await BandwidthLimitedAsync(options, report);
        await DownloadStages.RunAsync(options, report);
    }

    /// <summary>
    /// The same comparison when the network, not the CPU, is the limit (as with any remote server):
    /// the server paces every file with its trickle fault, so both downloaders get the same bandwidth.
    /// </summary>
    public static async Task BandwidthLimitedAsync(BenchOptions options, Report report)
    {
        const int PerFileBytesPerSecond = 8 << 20;
        var size = Math.Min(200, options.SizeMb);
        var data = Population.TempDir("download-wan-data");
        var work = Population.TempDir("download-wan-work");
        var output = Population.TempDir("download-wan-out");
        try
        {
            await Population.GenerateAsync(data, size);
            await using var server = await BulkDataServer.StartAsync(new BulkDataServerOptions
            {
                DataDirectory = data,
                WorkDirectory = work,
                RequireAuth = false,
                MaxConcurrentJobsPerClient = 100,
                Faults = new FhirBulk.Server.FaultOptions { TrickleBytesPerSecond = PerFileBytesPerSecond },
            });
            (string Name, string Label, string Step)[] variants = [Variants[0], Variants[2]];
            var samples = variants.ToDictionary(v => v.Name, _ => new List<double>());
            for (var round = 0; round < options.Rounds; round++)
            {
                for (var k = 0; k < variants.Length; k++)
                {
                    var variant = variants[(k + round) % variants.Length];
                    var result = await PeakMemory.RunChildAsync(variant.Step, server.BaseUri.ToString(), output, Parallel.ToString(CultureInfo.InvariantCulture));
                    samples[variant.Name].Add(Measure.Mb(long.Parse(result["bytes"], CultureInfo.InvariantCulture)) / double.Parse(result["seconds_download"], CultureInfo.InvariantCulture));
                    Console.WriteLine($"  bandwidth-limited round {round + 1} {variant.Name}: {samples[variant.Name][^1]:F1} MB/s");
                    Directory.Delete(output, recursive: true);
                    Directory.CreateDirectory(output);
                }
            }

            var client = Measure.Median(samples[variants[0].Name]);
            var raw = Measure.Median(samples[variants[1].Name]);
            report.Line($"\n### Bandwidth-limited (a remote server)\n\nA {size} MB export with the server pacing each file at {PerFileBytesPerSecond >> 20} MB/s ({Parallel} at a time: about {Parallel * (PerFileBytesPerSecond >> 20)} MB/s, a fast WAN link), {options.Rounds} interleaved rounds.\n");
            report.Table(["downloader", "download MB/s (median)", "MB/s (min–max)", "ratio to raw"],
            [
                [variants[0].Label, Report.F(client), $"{Report.F(samples[variants[0].Name].Min())}–{Report.F(samples[variants[0].Name].Max())}", Report.Percent(client / raw)],
                [variants[1].Label, Report.F(raw), $"{Report.F(samples[variants[1].Name].Min())}–{Report.F(samples[variants[1].Name].Max())}", "100%"],
            ]);
        }
        finally
        {
            foreach (var dir in new[] { data, work, output })
            {
                if (Directory.Exists(dir))
                {
                    Directory.Delete(dir, recursive: true);
                }
            }
        }
    }
}
