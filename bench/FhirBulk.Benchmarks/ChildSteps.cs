using FhirBulk.Benchmarks.Views;

namespace FhirBulk.Benchmarks;

/// <summary>Steps run in a child process so that their peak memory (or, for verify, their whole cold-process cost) is theirs alone.</summary>
internal static class ChildSteps
{
    public static Task<int> RunAsync(string[] args) => args switch
    {
        ["views-sink", var folder, var sink] => ViewsBenchmark.SinkChildAsync(folder, sink),
        ["raw-download", var fhirBase, var directory, var parallel] => Download.RawCopy.ChildAsync(new Uri(fhirBase), directory, int.Parse(parallel, System.Globalization.CultureInfo.InvariantCulture), gzip: false, fsync: false),
        ["raw-fsync-download", var fhirBase, var directory, var parallel] => Download.RawCopy.ChildAsync(new Uri(fhirBase), directory, int.Parse(parallel, System.Globalization.CultureInfo.InvariantCulture), gzip: false, fsync: true),
        ["raw-gzip-download", var fhirBase, var directory, var parallel] => Download.RawCopy.ChildAsync(new Uri(fhirBase), directory, int.Parse(parallel, System.Globalization.CultureInfo.InvariantCulture), gzip: true, fsync: false),
        [Download.ClientDownload.ExportStep, var fhirBase, var directory, var parallel] => Download.ClientDownload.ExportChildAsync(new Uri(fhirBase), directory, int.Parse(parallel, System.Globalization.CultureInfo.InvariantCulture)),
        [Download.ClientDownload.DownloadStep, var fhirBase, var directory, var parallel] => Download.ClientDownload.DownloadChildAsync(new Uri(fhirBase), directory, int.Parse(parallel, System.Globalization.CultureInfo.InvariantCulture)),
        [Verify.VerifyBenchmark.VerifyOnlyStep, var folder] => Verify.VerifyBenchmark.VerifyChildAsync(folder, calls: 1),
        [Verify.VerifyBenchmark.VerifyWarmStep, var folder] => Verify.VerifyBenchmark.VerifyChildAsync(folder, calls: 2),
        [ViewsCold.ColdChildren.DuckDbStep, var sqlFile, var threads] => ViewsCold.ColdChildren.DuckDbAsync(sqlFile, int.Parse(threads, System.Globalization.CultureInfo.InvariantCulture)),
        [ViewsCold.ColdChildren.ParseStep, var folder] => ViewsCold.ColdChildren.ParseAsync(folder),
        [ViewsCold.ColdChildren.WarmStep, var folder, var runs] => ViewsCold.ColdChildren.WarmAsync(folder, int.Parse(runs, System.Globalization.CultureInfo.InvariantCulture)),
        [ViewsCold.ColdChildren.StagesStep, var folder, var runs] => ViewsCold.ColdChildren.StagesAsync(folder, int.Parse(runs, System.Globalization.CultureInfo.InvariantCulture)),
        _ => throw new ArgumentException($"Unknown child step '{string.Join(' ', args)}'."),
    };
}
