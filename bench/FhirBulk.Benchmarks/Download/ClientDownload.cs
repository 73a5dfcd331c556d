using System.Diagnostics;
using FhirBulk.Benchmarks.Infrastructure;
using FhirBulk.Export;

namespace FhirBulk.Benchmarks.Download;

/// <summary>
/// Our client's side of the download benchmark, in a child process: either the one call a user
/// makes (<see cref="BulkDataClient.ExportToDirectoryAsync"/>: verify every line, SHA-256, state
/// file, log, delete the job) or kick-off + wait + <see cref="BulkDataClient.DownloadAsync"/>.
/// </summary>
internal static class ClientDownload
{
    public const string ExportStep = "client-export";
    public const string DownloadStep = "client-download";

    public static async Task<int> ExportChildAsync(Uri fhirBase, string directory, int parallel)
    {
        using var client = new BulkDataClient(fhirBase, new BulkDataClientOptions { MaxParallelDownloads = parallel });
        var total = Stopwatch.StartNew();
        var phases = new PhaseClock(total);
        var result = await client.ExportToDirectoryAsync(new ExportRequest(), directory, phases);
        var seconds = total.Elapsed.TotalSeconds;
        var downloadSeconds = seconds - phases.DownloadingSince!.Value.TotalSeconds;
        Report(seconds, downloadSeconds, PeakMemory.CpuSeconds() - phases.CpuAtDownload,  result.Files.Where(f => f.Kind == ExportFileKind.Output).Sum(f => f.Bytes), result.Files.Count);
        return 0;
    }

    public static async Task<int> DownloadChildAsync(Uri fhirBase, string directory, int parallel)
    {
        using var client = new BulkDataClient(fhirBase, new BulkDataClientOptions { MaxParallelDownloads = parallel });
        var total = Stopwatch.StartNew();
        var operation = await client.StartExportAsync(new ExportRequest());
        var manifest = await operation.WaitForCompletionAsync();
        var download = Stopwatch.StartNew();
        var cpu = PeakMemory.CpuSeconds();
        var result = await client.DownloadAsync(manifest, directory);
        var downloadSeconds = download.Elapsed.TotalSeconds;
        cpu = PeakMemory.CpuSeconds() - cpu;
        var seconds = total.Elapsed.TotalSeconds;
        await operation.DeleteAsync();
        if (result.HasFailures)
        {
            throw new InvalidOperationException("Some files failed to download.");
        }

        Report(seconds, downloadSeconds, cpu, result.Files.Where(f => f.Kind == ExportFileKind.Output).Sum(f => f.Bytes), result.Files.Count);
        return 0;
    }

    private static void Report(double seconds, double downloadSeconds, double cpuSeconds, long bytes, int files)
    {
        PeakMemory.Report("seconds_total", seconds);
        PeakMemory.Report("seconds_download", downloadSeconds);
        PeakMemory.Report("cpu_seconds_download", cpuSeconds);
        PeakMemory.Report("bytes", bytes);
        PeakMemory.Report("files", files);
        PeakMemory.Report("peak_mb", PeakMemory.SelfPeakMb());
    }

    /// <summary>Notes when the export enters its download phase (synchronously, unlike <see cref="Progress{T}"/>).</summary>
    private sealed class PhaseClock(Stopwatch clock) : IProgress<ExportProgress>
    {
        public TimeSpan? DownloadingSince { get; private set; }

        public double CpuAtDownload { get; private set; }

        public void Report(ExportProgress value)
        {
            if (value.Phase == ExportPhase.Downloading && DownloadingSince is null)
            {
                DownloadingSince = clock.Elapsed;
                CpuAtDownload = PeakMemory.CpuSeconds();
            }
        }
    }
}
