using System.Diagnostics;
using System.IO.Compression;
using System.Security.Cryptography;
using FhirBulk.Benchmarks.Infrastructure;
using FhirBulk.Ndjson;

namespace FhirBulk.Benchmarks.Download;

/// <summary>
/// Where a client download's time goes: the per-byte work our client and server do that a raw
/// copy does not (gzip both ways, line verification, SHA-256) and the per-file fsync, each timed
/// alone on one core over the same export-sized NDJSON files.
/// </summary>
internal static class DownloadStages
{
    private const int StageMb = 200;

    public static async Task RunAsync(BenchOptions options, Report report)
    {
        var folder = Population.TempDir("download-stages");
        try
        {
            await Population.GenerateAsync(folder, StageMb, resourcesPerFile: FhirBulk.Server.ServerDefaults.ResourcesPerFile);
            var files = Directory.GetFiles(folder, "*.ndjson").Select(f => (Name: f, Bytes: File.ReadAllBytes(f))).ToList();
            var mb = Measure.Mb(files.Sum(f => (long)f.Bytes.Length));
            var compressed = files.Select(f => Gzip(f.Bytes)).ToList();
            var fsyncDir = Path.Combine(folder, "fsync");
            Directory.CreateDirectory(fsyncDir);
            (string Label, Func<double> Run)[] stages =
            [
                ("server: gzip compress (CompressionLevel.Fastest)", () => Rate(mb, () => files.ForEach(f => Gzip(f.Bytes)))),
                ("client: gzip decompress", () => Rate(mb, () => compressed.ForEach(Gunzip))),
                ("client: SHA-256 alone", () => Rate(mb, () => files.ForEach(f => SHA256.HashData(f.Bytes)))),
                ("client: NdjsonVerifier (every line read as JSON + SHA-256)", () => Rate(mb, () => files.ForEach(f => Verify(f.Name, f.Bytes)))),
                ("client: write files, no fsync", () => Rate(mb, () => files.ForEach(f => Write(fsyncDir, f.Bytes, fsync: false)))),
                ("client: write files + fsync each (as FileDownloader does)", () => Rate(mb, () => files.ForEach(f => Write(fsyncDir, f.Bytes, fsync: true)))),
            ];
            var samples = stages.ToDictionary(s => s.Label, _ => new List<double>());
            for (var round = 0; round < options.Rounds; round++)
            {
                foreach (var (label, run) in stages)
                {
                    samples[label].Add(run());
                }
            }

            report.Line($"\n### Where a download's time goes (one core each, {mb:F0} MB in {files.Count} export-sized files, in memory)\n");
            report.Table(["step", "MB/s (median)", "MB/s (min–max)"],
                stages.Select(s => new[] { s.Label, Report.F(Measure.Median(samples[s.Label]), 0), $"{Report.F(samples[s.Label].Min(), 0)}–{Report.F(samples[s.Label].Max(), 0)}" }));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static double Rate(double mb, Action run)
    {
        var watch = Stopwatch.StartNew();
        run();
        return mb / watch.Elapsed.TotalSeconds;
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    private static void Gunzip(byte[] data)
    {
        using var gzip = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
        gzip.CopyTo(Stream.Null);
    }

    private static void Verify(string name, byte[] data)
    {
        using var verifier = new NdjsonVerifier(name, null, ErrorPolicy.Skip);
        for (var offset = 0; offset < data.Length; offset += 128 * 1024)
        {
            verifier.Append(data.AsSpan(offset, Math.Min(128 * 1024, data.Length - offset)));
        }

        verifier.Complete();
    }

    private static void Write(string directory, byte[] data, bool fsync)
    {
        var path = Path.Combine(directory, "file.part");
        using (var output = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1))
        {
            output.Write(data);
            output.Flush(flushToDisk: fsync);
        }

        File.Delete(path);
    }
}
