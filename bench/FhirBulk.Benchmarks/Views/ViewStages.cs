using System.Text.Json;
using DuckDB.NET.Data;
using FhirBulk.Ndjson;
using FhirBulk.Sinks;
using FhirBulk.Sinks.DuckDb;
using FhirBulk.Tables;
using Hl7.Fhir.Serialization;

namespace FhirBulk.Benchmarks.Views;

/// <summary>
/// The competitors of the views benchmark, and the stages in between that show where the engine's
/// time goes. Each returns rows (or resources) produced, so runs can be checked against each other.
/// </summary>
internal static class ViewStages
{
    private static readonly FhirJsonDeserializer Ostrich = new(new DeserializerSettings().UsingMode(DeserializationMode.Ostrich));

    /// <summary>The ceiling: split lines and build a JsonDocument for each, nothing else.</summary>
    public static long JsonDocumentParse(IReadOnlyList<string> files)
    {
        long resources = 0;
        var buffer = new byte[1 << 20];
        foreach (var file in files)
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            int start = 0, end = 0;
            while (true)
            {
                if (end == buffer.Length)
                {
                    Array.Resize(ref buffer, buffer.Length * 2);
                }

                var read = stream.Read(buffer, end, buffer.Length - end);
                if (read == 0)
                {
                    if (end > start)
                    {
                        resources += Parse(buffer.AsMemory(start, end - start));
                    }

                    break;
                }

                end += read;
                int newline;
                while ((newline = buffer.AsSpan(start, end - start).IndexOf((byte)'\n')) >= 0)
                {
                    resources += Parse(buffer.AsMemory(start, newline));
                    start += newline + 1;
                }

                Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                end -= start;
                start = 0;
            }
        }

        return resources;

        static int Parse(ReadOnlyMemory<byte> line)
        {
            if (line.IsEmpty)
            {
                return 0;
            }

            using var document = JsonDocument.Parse(line);
            return document.RootElement.ValueKind == JsonValueKind.Object ? 1 : 0;
        }
    }

    /// <summary>Our NDJSON source alone: lines split, resourceType and id read, nothing evaluated.</summary>
    public static async Task<long> SourceOnlyAsync(string folder)
    {
        long resources = 0;
        await foreach (var _ in NdjsonSource.FromFolder(folder).ReadAsync(BenchViews.Types))
        {
            resources++;
        }

        return resources;
    }

    /// <summary>Source plus Firely's Ostrich deserialization of every whole resource (the engine projects, so parses less).</summary>
    public static async Task<long> FirelyParseAsync(string folder)
    {
        long resources = 0;
        await foreach (var line in NdjsonSource.FromFolder(folder).ReadAsync(BenchViews.Types))
        {
            var reader = new Utf8JsonReader(line.Json.Span);
            if (Ostrich.DeserializeResource(ref reader) is not null)
            {
                resources++;
            }
        }

        return resources;
    }

    /// <summary>Our engine: source → compiled views → rows into <paramref name="sink"/>.</summary>
    public static async Task<TableRunResult> EngineAsync(string folder, ITableSink sink, int threads, bool navigationOnly = false)
    {
        var tables = new FhirTables(new FhirTablesOptions { MaxDegreeOfParallelism = threads });
        return await tables.RunAsync(NdjsonSource.FromFolder(folder), navigationOnly ? BenchViews.CompileNavigationOnly() : BenchViews.Compile(), sink);
    }

    public static async Task<long> EngineNavigationOnlyAsync(string folder) =>
        (await EngineAsync(folder, new NullSink(), threads: 1, navigationOnly: true)).RowsByTable.Values.Sum();

    public static async Task<long> EngineToNullAsync(string folder, int threads) =>
        (await EngineAsync(folder, new NullSink(), threads)).RowsByTable.Values.Sum();

    public static async Task<long> EngineToDuckDbAsync(string folder, string database)
    {
        try
        {
            await using var sink = new DuckDbSink(database, new DuckDbSinkOptions { Threads = 1 });
            return (await EngineAsync(folder, sink, threads: 1)).RowsByTable.Values.Sum();
        }
        finally
        {
            File.Delete(database);
        }
    }

    /// <summary>DuckDB on its own: <c>read_json</c> of each type's files into a table, one thread.</summary>
    public static async Task<long> DuckDbReadJsonAsync(string folder, string database)
    {
        try
        {
            await using var connection = new DuckDBConnection($"Data Source={database}");
            await connection.OpenAsync();
            await Execute(connection, "SET threads=1");
            long rows = 0;
            foreach (var (type, name, _, columns) in BenchViews.All)
            {
                var glob = Path.Combine(folder, $"{type}.*ndjson").Replace("'", "''", StringComparison.Ordinal);
                await Execute(connection, $"CREATE TABLE {name} AS SELECT {columns} FROM read_json('{glob}', format = 'newline_delimited')");
                await using var count = connection.CreateCommand();
                count.CommandText = $"SELECT count(*) FROM {name}";
                rows += Convert.ToInt64(await count.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
            }

            return rows;
        }
        finally
        {
            File.Delete(database);
            File.Delete(database + ".wal");
        }

        static async Task Execute(DuckDBConnection connection, string sql)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync();
        }
    }
}
