using System.Diagnostics;
using FhirBulk.Benchmarks;
using FhirBulk.Benchmarks.Infrastructure;
using FhirBulk.Benchmarks.Server;

// Benchmarks for issues 2 (server), 3 (download), 4 and 11 (views), 9 (verify), 12 (shards), 13 (views-store, export-store) and 14 (sync): each generates its own data in a
// temporary folder, runs the competing variants side by side in this process, and writes markdown.
//   dotnet run -c Release --project bench/FhirBulk.Benchmarks -- server|download|views|views-cold|views-store|shards|verify|sync|export-store|all [options]
if (args is [PeakMemory.ChildFlag, .. var childArgs])
{
    return await ChildSteps.RunAsync(childArgs);
}

var options = BenchOptions.Parse(args, out var command);
var report = new Report();
report.Line($"# FhirBulk benchmarks: `{command}`\n");
report.Line($"- Run: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, `dotnet run -c Release --project bench/FhirBulk.Benchmarks -- {command} {options.Describe()}`");
report.Line($"- Machine: {Machine.Describe()}");
report.Line("- Figures are medians of interleaved rounds; ratios are measured side by side in the same process run.");
var total = Stopwatch.StartNew();
if (command is "server" or "all")
{
    await ServerBenchmark.RunAsync(options, report);
}

if (command is "download" or "all")
{
    await FhirBulk.Benchmarks.Download.DownloadBenchmark.RunAsync(options, report);
}

if (command is "bandwidth")
{
    report.Heading("Download (issue 3), bandwidth-limited only");
    await FhirBulk.Benchmarks.Download.DownloadBenchmark.BandwidthLimitedAsync(options, report);
}

if (command is "verify")
{
    await FhirBulk.Benchmarks.Verify.VerifyBenchmark.RunAsync(options, report);
}

if (command is "views-cold")
{
    await FhirBulk.Benchmarks.ViewsCold.ViewsColdBenchmark.RunAsync(options, report);
}

if (command is "views-store")
{
    await FhirBulk.Benchmarks.ViewsStore.ViewsStoreBenchmark.RunAsync(options, report);
}

if (command is "export-store")
{
    await FhirBulk.Benchmarks.ExportStore.ExportStoreBenchmark.RunAsync(options, report);
}

if (command is "shards")
{
    await FhirBulk.Benchmarks.Shards.ShardsBenchmark.RunAsync(options, report);
}

if (command is "sync")
{
    await FhirBulk.Benchmarks.Sync.SyncBenchmark.RunAsync(options, report);
}

if (command is "views" or "all")
{
    await FhirBulk.Benchmarks.Views.ViewsBenchmark.RunAsync(options, report);
}

report.Line($"\nTotal benchmark time {total.Elapsed.TotalMinutes:F1} min; load average at end {Machine.LoadAverage()}.");
await report.WriteAsync(options.Out ?? Path.Combine(RepositoryRoot.Path, "docs", "benchmarks", $"{command}.md"));
return 0;
