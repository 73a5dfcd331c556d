using FhirBulk.Benchmarks.Infrastructure;

namespace FhirBulk.Benchmarks.Download;

internal static class DownloadBenchmark
{
    public static Task RunAsync(BenchOptions options, Report report) => Task.CompletedTask;
}
