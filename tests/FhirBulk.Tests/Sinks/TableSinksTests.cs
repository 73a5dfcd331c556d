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
}
