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
}
