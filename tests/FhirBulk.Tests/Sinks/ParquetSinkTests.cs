using DuckDB.NET.Data;
using FhirBulk.Sinks.Parquet;
using FhirBulk.Tests.Tables.TestSupport;

namespace FhirBulk.Tests.Sinks;

public class ParquetSinkTests
{
    [Fact]
    public async Task CompleteAsync_Table_WritesParquetFileWithTypedColumns()
    {
        using var dir = new TempFolder();
        await using (var sink = new ParquetSink(dir.Path))
        {
            await SampleTable.WriteAsync(sink);
            await sink.CompleteAsync();
        }

        string file = dir.File("sample.parquet");
        Assert.True(File.Exists(file));
        await using var connection = new DuckDBConnection("Data Source=:memory:");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*), CAST(sum(count) AS BIGINT), string_agg(born, ',' ORDER BY id), typeof(any_value(given)), typeof(any_value(seen)) FROM read_parquet('{file}')";
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(3L, reader.GetInt64(0));
        Assert.Equal(2L, reader.GetInt64(1));
        Assert.Equal("2012-03,1970-01-01", reader.GetString(2));
        Assert.Equal("VARCHAR[]", reader.GetString(3));
        Assert.Equal("TIMESTAMP WITH TIME ZONE", reader.GetString(4));
    }

    [Fact]
    public async Task DisposeAsync_AfterRun_LeavesOnlyParquetFiles()
    {
        using var dir = new TempFolder();
        await using (var sink = new ParquetSink(dir.Path))
        {
            await SampleTable.WriteAsync(sink);
            await sink.CompleteAsync();
        }

        Assert.Equal(["sample.parquet"], Directory.EnumerateFileSystemEntries(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task CompleteAsync_ManyRowGroups_ReadsBackAllRowsInInputOrder()
    {
        // Several of DuckDB's 122,880-row row groups under a small memory limit, so that a
        // writer that reorders or drops rows while streaming is caught.
        const int Rows = 400_000;
        var schema = new FhirBulk.Views.ViewSchema("ordered", "Patient", [new FhirBulk.Views.ViewColumn("n", "integer", false)]);
        using var dir = new TempFolder();
        await using (var sink = new ParquetSink(dir.Path, new FhirBulk.Sinks.DuckDb.DuckDbSinkOptions { MemoryLimit = "64MB" }))
        {
            await using var writer = await sink.OpenTableAsync(schema);
            for (int n = 0; n < Rows; n++)
            {
                await writer.WriteRowAsync([n]);
            }

            await writer.CompleteAsync();
            await sink.CompleteAsync();
        }

        await using var connection = new DuckDBConnection("Data Source=:memory:");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*), count(*) FILTER (WHERE n <> file_row_number) FROM read_parquet('{dir.File("ordered.parquet")}', file_row_number = true)";
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(Rows, reader.GetInt64(0));
        Assert.Equal(0L, reader.GetInt64(1));
    }
}
