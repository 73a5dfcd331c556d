using System.Diagnostics;
using FhirBulk.Benchmarks.Infrastructure;

namespace FhirBulk.Benchmarks.Download;

/// <summary>
/// The download yardstick: a plain HttpClient export (tight polling) whose manifest's files are
/// copied to disk with <see cref="Stream.CopyToAsync(Stream)"/>, as many at once as our client uses.
/// No verification, no hashing, no state file: the least work that gets the bytes on disk.
/// </summary>
internal static class RawCopy
{
    public static async Task<int> ChildAsync(Uri fhirBase, string directory, int parallel, bool gzip, bool fsync)
    {
        // gzip: send Accept-Encoding: gzip and decompress, as our client does from a remote server.
        var decompression = gzip ? System.Net.DecompressionMethods.GZip : System.Net.DecompressionMethods.None;
        using var http = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = decompression, MaxConnectionsPerServer = parallel * 2 })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        var total = Stopwatch.StartNew();
        var export = await RawExport.RunAsync(http, fhirBase, "Patient/$export");
        var download = Stopwatch.StartNew();
        var cpu = PeakMemory.CpuSeconds();
        long bytes = 0;
        await Parallel.ForEachAsync(export.Output.Select((o, i) => (o, i)), new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (item, cancellationToken) =>
        {
            using var response = await http.GetAsync(item.o.Url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            response.EnsureSuccessStatusCode();
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            var path = Path.Combine(directory, $"{item.o.Type}.{item.i:D4}.ndjson");
            await using (var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                await body.CopyToAsync(file, cancellationToken);

                // fsync: what our client does before renaming a file into place, so that a power cut cannot leave a hole.
                if (fsync)
                {
                    file.Flush(flushToDisk: true);
                }
            }

            Interlocked.Add(ref bytes, new FileInfo(path).Length);
        });
        var downloadSeconds = download.Elapsed.TotalSeconds;
        cpu = PeakMemory.CpuSeconds() - cpu;
        await RawExport.DeleteAsync(http, export.StatusUrl);
        PeakMemory.Report("seconds_total", total.Elapsed.TotalSeconds);
        PeakMemory.Report("seconds_download", downloadSeconds);
        PeakMemory.Report("cpu_seconds_download", cpu);
        PeakMemory.Report("bytes", bytes);
        PeakMemory.Report("files", export.Output.Count);
        PeakMemory.Report("peak_mb", PeakMemory.SelfPeakMb());
        return 0;
    }
}
