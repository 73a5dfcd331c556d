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
        Assert.IsType<DecimalDataFrameColumn>(frame["amount"]);
        Assert.IsType<StringDataFrameColumn>(frame["born"]);
        Assert.Equal(1.50m, frame["amount"][0]);
        Assert.Null(frame["count"][1]);
        Assert.Equal("""["Ann","Bo"]""", frame["given"][0]);
        Assert.Equal("2012-03", frame["born"][0]);
    }
}
