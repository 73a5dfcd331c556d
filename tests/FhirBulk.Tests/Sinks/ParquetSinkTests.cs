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
        }

        Assert.Equal(["sample.parquet"], Directory.EnumerateFileSystemEntries(dir.Path).Select(Path.GetFileName));
    }
}
