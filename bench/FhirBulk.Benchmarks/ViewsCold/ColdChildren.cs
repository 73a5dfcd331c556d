using System.Diagnostics;
using System.Text.RegularExpressions;
using DuckDB.NET.Data;
using FhirBulk.Benchmarks.Infrastructure;
using FhirBulk.Ndjson;
using FhirBulk.Sinks;
using FhirBulk.Tables;
using FhirBulk.Views;

namespace FhirBulk.Benchmarks.ViewsCold;

/// <summary>
/// The steps of the cold views benchmark that run as a child of this program (each a whole process measured from
/// outside): DuckDB running a SQL file through DuckDB.NET (there is no DuckDB CLI on these machines), the
/// <c>JsonDocument</c> parse ceiling, and the in-process warm runs of the library that give steady state and allocation.
/// </summary>
internal static partial class ColdChildren
{
    public const string DuckDbStep = "duckdb-sql";
    public const string ParseStep = "parse-lines";
    public const string WarmStep = "views-warm";
    public const string StagesStep = "views-stages";

    /// <summary>Runs every statement of <paramref name="sqlFile"/> on an in-memory DuckDB; <paramref name="threads"/> 0 keeps DuckDB's default (all cores).</summary>
    public static Task<int> DuckDbAsync(string sqlFile, int threads)
    {
        using var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        if (threads > 0)
        {
            command.CommandText = $"SET threads={threads}";
            command.ExecuteNonQuery();
        }

        // The reference file has no ';' inside literals, so statements split at a ';' that ends a line.
        foreach (var statement in File.ReadAllText(sqlFile).Split(";\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (statement.Split('\n').Any(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith("--", StringComparison.Ordinal)))
            {
                Execute(command, statement.TrimEnd(';'));
            }
        }

        return Task.FromResult(0);
    }

    /// <summary>
    /// Runs one statement. With detected columns, a field no sampled resource has (the generator never writes
    /// <c>deceasedDateTime</c>) is not a column at all and DuckDB stops binding; the statement is run again with that
    /// reference replaced by NULL, as a user would after that error, and the replacement is reported.
    /// </summary>
    private static void Execute(DuckDBCommand command, string statement)
    {
        try
        {
            command.CommandText = statement;
            command.ExecuteNonQuery();
        }
        catch (DuckDBException e) when (MissingColumn().Match(e.Message) is { Success: true } missing)
        {
            PeakMemory.Report($"null_for_missing_column_{missing.Groups[1].Value}", 1);
            Execute(command, Regex.Replace(statement, $@"\b{Regex.Escape(missing.Groups[1].Value)}\b", "NULL"));
        }
    }

    [GeneratedRegex("Referenced column \"([A-Za-z0-9_]+)\" not found")]
    private static partial Regex MissingColumn();

    /// <summary>The parse ceiling: every line of every NDJSON file in <paramref name="folder"/> through <c>JsonDocument.Parse</c>.</summary>
    public static Task<int> ParseAsync(string folder)
    {
        var lines = Views.ViewStages.JsonDocumentParse([.. Directory.GetFiles(folder, "*.ndjson").Order(StringComparer.Ordinal)]);
        PeakMemory.Report("resources", lines);
        return Task.FromResult(0);
    }

    /// <summary>
    /// The library as a long-running host uses it: the workshop views over <paramref name="folder"/> into CSV
    /// <paramref name="runs"/> times in one process (library defaults, all cores). Reports each run's wall, CPU and bytes
    /// allocated, then the process's peak RSS.
    /// </summary>
    public static async Task<int> WarmAsync(string folder, int runs)
    {
        // The folder holds symbolic links: FileInfo.Length would be the link's own size, so ask the opened file.
        var bytes = Directory.GetFiles(folder, "*.ndjson").Sum(f => { using var file = File.OpenRead(f); return file.Length; });
        var views = ViewDefinitionLoader.Load(ColdInputs.ViewsFolder);
        var output = Population.TempDir("views-warm-out");
        try
        {
            for (var run = 1; run <= runs; run++)
            {
                var allocated = GC.GetTotalAllocatedBytes(precise: true);
                var cpu = PeakMemory.CpuSeconds();
                var watch = Stopwatch.StartNew();
                await using (var sink = TableSinks.Create(TableFormat.Csv, Path.Combine(output, run.ToString(System.Globalization.CultureInfo.InvariantCulture))))
                {
                    await new FhirTables().RunAsync(NdjsonSource.FromFolder(folder), views, sink);
                }

                PeakMemory.Report($"wall_{run}", watch.Elapsed.TotalSeconds);
                PeakMemory.Report($"cpu_{run}", PeakMemory.CpuSeconds() - cpu);
                PeakMemory.Report($"alloc_per_byte_{run}", (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)bytes);
            }
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }

        PeakMemory.Report("bytes", bytes);
        PeakMemory.Report("peak_mb", PeakMemory.SelfPeakMb());
        return 0;
    }

    /// <summary>
    /// Where the warm run's CPU and allocation go, on one thread: the source alone, then each workshop view evaluated
    /// alone over lines already read (rows made, nothing written), <paramref name="runs"/> times so that the last runs
    /// are steady. Reports MB per CPU-second and bytes allocated per input byte for each stage and for the six views
    /// together, and, for the last run, the types the runtime's allocation sampling (one event per ~100 KB) saw most.
    /// </summary>
    public static Task<int> StagesAsync(string folder, int runs)
    {
        var views = ViewDefinitionLoader.Load(ColdInputs.ViewsFolder);
        using var sampled = new AllocationSampler();
        var lines = new List<ResourceLine>();
        for (var run = 1; run <= runs; run++)
        {
            sampled.Types.Clear();
            lines.Clear();
            var (readCpu, readAllocated) = Measure(() => lines.AddRange(NdjsonSource.FromFolder(folder).ReadAsync().ToBlockingEnumerable()));
            var bytes = lines.Sum(l => (long)l.Json.Length);
            PeakMemory.Report($"read_mb_per_cpu_s_{run}", bytes / 1e6 / readCpu);
            PeakMemory.Report($"read_alloc_per_byte_{run}", readAllocated / (double)bytes);
            var (allCpu, allAllocated) = (0.0, 0L);
            foreach (var view in views)
            {
                var ofType = lines.Where(l => l.ResourceType == view.Schema.Resource).ToList();
                var typeBytes = ofType.Sum(l => (long)l.Json.Length);
                var (cpu, allocated) = Measure(() =>
                {
                    foreach (var line in ofType)
                    {
                        foreach (var row in view.Evaluate(line))
                        {
                            GC.KeepAlive(row);
                        }
                    }
                });
                (allCpu, allAllocated) = (allCpu + cpu, allAllocated + allocated);
                PeakMemory.Report($"{view.Schema.Name}_mb_per_cpu_s_{run}", typeBytes / 1e6 / cpu);
                PeakMemory.Report($"{view.Schema.Name}_alloc_per_byte_{run}", allocated / (double)typeBytes);
            }

            PeakMemory.Report($"views_mb_per_cpu_s_{run}", bytes / 1e6 / allCpu);
            PeakMemory.Report($"views_alloc_per_byte_{run}", allAllocated / (double)bytes);
        }

        foreach (var (type, samples) in sampled.Types.OrderByDescending(p => p.Value).Take(12))
        {
            PeakMemory.Report($"alloc_samples_{type}", samples);
        }

        return Task.FromResult(0);

        static (double Cpu, long Allocated) Measure(Action action)
        {
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            var cpu = PeakMemory.CpuSeconds();
            action();
            return (PeakMemory.CpuSeconds() - cpu, GC.GetTotalAllocatedBytes(precise: true) - allocated);
        }
    }

    /// <summary>Counts the runtime's allocation-tick events (one per ~100 KB allocated) by the type allocated.</summary>
    private sealed class AllocationSampler : System.Diagnostics.Tracing.EventListener
    {
        public System.Collections.Concurrent.ConcurrentDictionary<string, long> Types { get; } = new(StringComparer.Ordinal);

        protected override void OnEventSourceCreated(System.Diagnostics.Tracing.EventSource eventSource)
        {
            // The GC keyword at verbose level carries GCAllocationTick.
            if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
            {
                EnableEvents(eventSource, System.Diagnostics.Tracing.EventLevel.Verbose, (System.Diagnostics.Tracing.EventKeywords)0x1);
            }
        }

        protected override void OnEventWritten(System.Diagnostics.Tracing.EventWrittenEventArgs eventData)
        {
            if (eventData.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) == true && eventData.PayloadNames is { } names)
            {
                var type = eventData.Payload![names.IndexOf("TypeName")]?.ToString() ?? "unknown";
                Types.AddOrUpdate(type, 1, (_, count) => count + 1);
            }
        }
    }
}
