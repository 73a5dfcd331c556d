using FhirBulk.Sinks.DataFrames;
using Microsoft.Data.Analysis;

namespace FhirBulk.Tests.Sinks;

public class DataFrameSinkTests
{
    [Fact]
    public async Task CompleteAsync_SampleTable_TypedColumns()
    {
        var sink = new DataFrameSink();

        await SampleTable.WriteAsync(sink);

        DataFrame frame = sink.Tables["sample"];
        Assert.Equal(3, frame.Rows.Count);
        Assert.IsType<BooleanDataFrameColumn>(frame["active"]);
        Assert.IsType<Int32DataFrameColumn>(frame["count"]);
        Assert.IsType<Int64DataFrameColumn>(frame["big"]);
        // decimal and date are CHARACTER VARYING by default, in their exact FHIR form (SQL-on-FHIR "Default Type Mappings").
        Assert.IsType<StringDataFrameColumn>(frame["amount"]);
        Assert.IsType<StringDataFrameColumn>(frame["born"]);
        Assert.IsType<PrimitiveDataFrameColumn<DateTimeOffset>>(frame["seen"]);
        Assert.Equal("1.50", frame["amount"][0]);
        Assert.Null(frame["count"][1]);
        Assert.Equal("""["Ann","Bo"]""", frame["given"][0]);
        Assert.Equal("2012-03", frame["born"][0]);
    }

    [Fact]
    public async Task CompleteAsync_AnsiTypes_ColumnsOfTheMatchingClrType()
    {
        var schema = new FhirBulk.Views.ViewSchema("typed", "Patient",
        [
            new("born", "date", false, FhirBulk.Views.SqlType.Parse("DATE")),
            new("seen", "dateTime", false, FhirBulk.Views.SqlType.Parse("TIMESTAMP WITH TIME ZONE")),
            new("local", "dateTime", false, FhirBulk.Views.SqlType.Parse("TIMESTAMP")),
            new("at", "time", false, FhirBulk.Views.SqlType.Parse("TIME")),
            new("weight", "decimal", false, FhirBulk.Views.SqlType.Parse("DECIMAL(38,9)")),
            new("ratio", "decimal", false, FhirBulk.Views.SqlType.Parse("DOUBLE")),
            new("data", "base64Binary", false),
        ]);
        var sink = new DataFrameSink();

        await using (var writer = await sink.OpenTableAsync(schema))
        {
            await writer.WriteRowAsync(["2012-03-04", "2012-03-04T10:11:12+02:00", "2012-03-04T10:11:12", "10:11:12", 12345678901234567890.123456789m, 1.5m, "AQID"]);
            await writer.CompleteAsync();
        }

        DataFrame frame = sink.Tables["typed"];
        Assert.Equal(new DateOnly(2012, 3, 4), frame["born"][0]);
        Assert.Equal(new DateTimeOffset(2012, 3, 4, 10, 11, 12, TimeSpan.FromHours(2)), frame["seen"][0]);
        Assert.Equal(new DateTime(2012, 3, 4, 10, 11, 12), frame["local"][0]);
        Assert.Equal(new TimeOnly(10, 11, 12), frame["at"][0]);
        Assert.Equal(12345678901234567890.123456789m, frame["weight"][0]);
        Assert.Equal(1.5d, frame["ratio"][0]);
        Assert.Equal("AQID", frame["data"][0]);
    }
}
