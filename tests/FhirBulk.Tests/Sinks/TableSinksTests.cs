using System.Text;
using FhirBulk.Sinks;
using FhirBulk.Sinks.Csv;
using FhirBulk.Sinks.DuckDb;
using FhirBulk.Sinks.Ndjson;
using FhirBulk.Sinks.Parquet;
using FhirBulk.Tests.Tables.TestSupport;

namespace FhirBulk.Tests.Sinks;

public class TableSinksTests
{
    [Theory]
    [InlineData(TableFormat.DuckDb, typeof(DuckDbSink))]
    [InlineData(TableFormat.Parquet, typeof(ParquetSink))]
    [InlineData(TableFormat.Csv, typeof(CsvSink))]
    [InlineData(TableFormat.Ndjson, typeof(NdjsonRowSink))]
    public async Task Create_Format_SinkOfThatKind(TableFormat format, Type expected)
    {
        using var dir = new TempFolder();

        await using ITableSink sink = TableSinks.Create(format, dir.File("out"));

        Assert.IsType(expected, sink);
    }

    [Theory]
    [InlineData(TableFormat.DuckDb)]
    [InlineData(TableFormat.Parquet)]
    public void Create_StdoutForFileFormat_Throws(TableFormat format) =>
        Assert.Throws<ArgumentException>(() => TableSinks.Create(format, "-"));

    [Theory]
    [InlineData(TableFormat.Csv)]
    [InlineData(TableFormat.Ndjson)]
    public void Create_DashPath_ThrowsForTheCallerOpensStdout(TableFormat format)
    {
        var error = Assert.Throws<ArgumentException>(() => TableSinks.Create(format, "-"));

        Assert.Equal("output", error.ParamName);
    }

    [Theory]
    [InlineData(TableFormat.Csv, "id,active,count,big,amount,born,seen,given,note")]
    [InlineData(TableFormat.Ndjson, "{\"id\":\"p1\",")]
    public async Task Create_CallersStream_WritesOneTableThereAndLeavesItOpen(TableFormat format, string start)
    {
        var output = new MemoryStream();

        await using (ITableSink sink = TableSinks.Create(format, output))
        {
            await SampleTable.WriteAsync(sink);
        }

        Assert.True(output.CanWrite);
        Assert.StartsWith(start, Encoding.UTF8.GetString(output.ToArray()), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(TableFormat.DuckDb)]
    [InlineData(TableFormat.Parquet)]
    public void Create_StreamForFileFormat_Throws(TableFormat format) =>
        Assert.Throws<ArgumentException>(() => TableSinks.Create(format, new MemoryStream()));
}
