using FhirBulk.Sinks.Ndjson;
using FhirBulk.Tests.Tables.TestSupport;

namespace FhirBulk.Tests.Sinks;

public class NdjsonRowSinkTests
{
    [Fact]
    public async Task WriteRowAsync_SampleTable_OneObjectPerRowWithTypedValues()
    {
        using var dir = new TempFolder();
        await using (var sink = new NdjsonRowSink(dir.Path))
        {
            await SampleTable.WriteAsync(sink);
            await sink.CompleteAsync();
        }

        string[] lines = await File.ReadAllLinesAsync(dir.File("sample.ndjson"));

        Assert.Equal(3, lines.Length);
        Assert.Equal(
            """{"id":"p1","active":true,"count":3,"big":5000000000,"amount":"1.50","born":"2012-03","seen":"2024-08-06T18:12:57Z","given":["Ann","Bo"],"note":"say \u0022hi\u0022, then\r\nleave"}""",
            lines[0]);
        Assert.Equal("""{"id":"p2","active":null,"count":null,"big":null,"amount":null,"born":null,"seen":null,"given":null,"note":null}""", lines[1]);
    }
}
