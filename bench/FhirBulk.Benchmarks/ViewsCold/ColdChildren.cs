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
}
