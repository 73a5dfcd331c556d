using DuckDB.NET.Data;
using FhirBulk.Sinks;
using FhirBulk.Sinks.DuckDb;
using FhirBulk.Tests.Tables.TestSupport;
using FhirBulk.Views;

namespace FhirBulk.Tests.Sinks;

public class DuckDbSinkTests
{
    private static async Task<List<object?[]>> QueryAsync(string db, string sql)
    {
        await using var result = await DuckDbDatabase.QueryAsync(db, sql);
        var rows = new List<object?[]>();
        await foreach (object?[] row in result.ReadRowsAsync())
        {
            rows.Add(row);
        }

        return rows;
    }

    [Fact]
    public async Task OpenTableAsync_SampleTable_ColumnTypesFollowTypeMap()
    {
        using var dir = new TempFolder();
        string db = dir.File("t.duckdb");
        await using (var sink = new DuckDbSink(db))
        {
            await SampleTable.WriteAsync(sink);
            await sink.CompleteAsync();
        }

        var columns = await QueryAsync(db, "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'sample' ORDER BY ordinal_position");

        Assert.Equal(SampleTable.Schema.Columns.Select(c => c.Name), columns.Select(c => c[0]));
        Assert.Equal(
            ["VARCHAR", "BOOLEAN", "INTEGER", "BIGINT", "VARCHAR", "VARCHAR", "TIMESTAMP WITH TIME ZONE", "VARCHAR[]", "VARCHAR"],
            columns.Select(c => c[1]));
    }

    [Fact]
    public async Task WriteRowAsync_Values_StoredFaithfully()
    {
        using var dir = new TempFolder();
        string db = dir.File("t.duckdb");
        await using (var sink = new DuckDbSink(db))
        {
            await SampleTable.WriteAsync(sink);
            await sink.CompleteAsync();
        }

        var rows = await QueryAsync(db, """
            SELECT id, active, count, big, amount, born, epoch_ms(seen), len(given), given[1], note
            FROM sample ORDER BY id
            """);

        Assert.Equal(3, rows.Count);
        Assert.Equal(["p1", true, 3, 5_000_000_000L, "1.50", "2012-03", 1722967977000L, 2L, "Ann", "say \"hi\", then\r\nleave"], rows[0]);
        Assert.All(rows[1].Skip(1), Assert.Null);
        Assert.Equal(1722967977500L, rows[2][6]);
        Assert.Equal(0L, rows[2][7]);
    }

    [Fact]
    public async Task OpenTableAsync_ExistingTable_Replaced()
    {
        using var dir = new TempFolder();
        string db = dir.File("t.duckdb");
        for (int run = 0; run < 2; run++)
        {
            await using var sink = new DuckDbSink(db);
            await SampleTable.WriteAsync(sink);
            await sink.CompleteAsync();
        }

        var rows = await QueryAsync(db, "SELECT count(*) FROM sample");

        Assert.Equal(3L, rows[0][0]);
    }

    [Fact]
    public async Task WriteRowAsync_UnconvertibleValue_ThrowsNamingTableAndColumn()
    {
        using var dir = new TempFolder();
        await using var sink = new DuckDbSink(dir.File("t.duckdb"));
        await using var writer = await sink.OpenTableAsync(new ViewSchema("v", "Patient", [new ViewColumn("n", "integer", false)]));

        var ex = await Assert.ThrowsAsync<TableSinkException>(() => writer.WriteRowAsync(["seven"]).AsTask());

        Assert.Contains("'v'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'n'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("seven", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteRowAsync_AfterRejectedRow_NextRowsStoredIntact()
    {
        using var dir = new TempFolder();
        string db = dir.File("t.duckdb");
        await using (var sink = new DuckDbSink(db))
        {
            await using var writer = await sink.OpenTableAsync(new ViewSchema("v", "Patient", [new ViewColumn("id", "id", false), new ViewColumn("seen", "instant", false)]));
            await writer.WriteRowAsync(["a", "2024-01-01T00:00:00Z"]);
            await Assert.ThrowsAsync<TableSinkException>(() => writer.WriteRowAsync(["b", "not an instant"]).AsTask());
            await writer.WriteRowAsync(["c", null]);
            await writer.CompleteAsync();
            await sink.CompleteAsync();
        }

        var rows = await QueryAsync(db, "SELECT id, seen IS NULL FROM v ORDER BY id");

        Assert.Equal([["a", false], ["c", true]], rows);
    }

    [Fact]
    public async Task OpenTableAsync_UnsafeName_Rejected()
    {
        using var dir = new TempFolder();
        await using var sink = new DuckDbSink(dir.File("t.duckdb"));

        await Assert.ThrowsAsync<TableSinkException>(() => sink.OpenTableAsync(new ViewSchema("x\"; DROP", "Patient", [])).AsTask());
    }

    [Fact]
    public async Task OpenTableAsync_TwoTablesInterleaved_BothComplete()
    {
        using var dir = new TempFolder();
        string db = dir.File("t.duckdb");
        await using (var sink = new DuckDbSink(db))
        {
            await using var a = await sink.OpenTableAsync(new ViewSchema("a", "Patient", [new ViewColumn("x", "integer", false)]));
            await using var b = await sink.OpenTableAsync(new ViewSchema("b", "Patient", [new ViewColumn("y", "string", false)]));
            // Past DuckDB's appender flush size (204,800 rows), so both appenders commit mid-run.
            for (int i = 0; i < 250_000; i++)
            {
                await a.WriteRowAsync([i]);
                await b.WriteRowAsync([$"v{i}"]);
            }

            await a.CompleteAsync();
            await b.CompleteAsync();
            await sink.CompleteAsync();
        }

        var rows = await QueryAsync(db, "SELECT (SELECT CAST(sum(x) AS BIGINT) FROM a), (SELECT count(DISTINCT y) FROM b)");

        Assert.Equal([31_249_875_000L, 250_000L], rows[0]);
    }

    [Fact]
    public async Task QueryAsync_Select_ColumnsKnownBeforeRows()
    {
        using var dir = new TempFolder();
        string db = dir.File("t.duckdb");
        await using (var sink = new DuckDbSink(db))
        {
            await SampleTable.WriteAsync(sink);
            await sink.CompleteAsync();
        }

        await using var result = await DuckDbDatabase.QueryAsync(db, "SELECT id, given FROM sample ORDER BY id");

        Assert.Equal(["id", "given"], result.Columns.Select(c => c.Name));
        Assert.Equal(["Varchar", "List"], result.Columns.Select(c => c.TypeName));
        var first = await result.ReadRowsAsync().FirstAsync();
        Assert.Equal(["Ann", "Bo"], Assert.IsAssignableFrom<System.Collections.IEnumerable>(first[1]).Cast<object>());
    }

    [Fact]
    public async Task QueryAsync_MissingDatabase_ThrowsFileNotFound()
    {
        using var dir = new TempFolder();

        await Assert.ThrowsAsync<FileNotFoundException>(() => DuckDbDatabase.QueryAsync(dir.File("none.duckdb"), "SELECT 1"));
        Assert.False(File.Exists(dir.File("none.duckdb")));
    }

    [Fact]
    public async Task QueryAsync_WriteStatement_RejectedAsReadOnly()
    {
        using var dir = new TempFolder();
        string db = dir.File("t.duckdb");
        await using (var sink = new DuckDbSink(db))
        {
            await SampleTable.WriteAsync(sink);
            await sink.CompleteAsync();
        }

        var ex = await Assert.ThrowsAsync<DuckDBException>(() => DuckDbDatabase.QueryAsync(db, "DROP TABLE sample"));

        Assert.Contains("read-only", ex.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(3L, (await QueryAsync(db, "SELECT count(*) FROM sample"))[0][0]);
    }

    [Fact]
    public async Task QueryAsync_BadSql_ThrowsDuckDbError()
    {
        using var dir = new TempFolder();
        string db = dir.File("t.duckdb");
        await using (var sink = new DuckDbSink(db))
        {
            await SampleTable.WriteAsync(sink);
            await sink.CompleteAsync();
        }

        await Assert.ThrowsAsync<DuckDBException>(() => DuckDbDatabase.QueryAsync(db, "SELECT nope FROM sample"));
    }

    [Fact]
    public async Task OpenTableAsync_Options_AppliedToDatabase()
    {
        var settings = await SettingsAsync(new DuckDbSinkOptions { MemoryLimit = "100MB", Threads = 1 }, _ => { });

        Assert.Equal([["95.3 MiB", 1L]], settings);
    }

    [Fact]
    public async Task OpenTableAsync_OptionsChangedAfterTheSinkWasCreated_DoNotReachTheDatabase()
    {
        var settings = await SettingsAsync(new DuckDbSinkOptions { MemoryLimit = "100MB", Threads = 1 }, options =>
        {
            options.MemoryLimit = "not a size";
            options.Threads = 3;
        });

        Assert.Equal([["95.3 MiB", 1L]], settings);
    }

    /// <summary>The memory limit and threads each table's database runs with, after <paramref name="afterCreate"/> changed the options.</summary>
    private static async Task<List<object?[]>> SettingsAsync(DuckDbSinkOptions options, Action<DuckDbSinkOptions> afterCreate)
    {
        using var dir = new TempFolder();
        var settings = new List<object?[]>();
        await using (var sink = new DuckDbSink(dir.File("t.duckdb"), options, async (connection, _, ct) =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT current_setting('memory_limit'), current_setting('threads')";
            await using var reader = await command.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            settings.Add([reader.GetString(0), reader.GetInt64(1)]);
        }))
        {
            afterCreate(options);
            await SampleTable.WriteAsync(sink);
            await sink.CompleteAsync();
        }

        return settings;
    }
}
