using System.Text;
using CsCheck;
using FhirBulk.Server.Data;

namespace FhirBulk.Server.Tests.Data;

public class NdjsonLineReaderTests
{
    private static List<(string Line, long Number)> ReadAll(string text)
    {
        using var reader = new NdjsonLineReader(new MemoryStream(Encoding.UTF8.GetBytes(text)));
        var lines = new List<(string, long)>();
        while (reader.TryReadLine(out var line))
        {
            lines.Add((Encoding.UTF8.GetString(line.Span), reader.LineNumber));
        }

        return lines;
    }

    [Fact]
    public void TryReadLine_CrlfBlankLinesNoFinalNewline_LinesWithNumbers()
    {
        Assert.Equal([("{\"a\":1}", 1L), ("{\"b\":2}", 3L), ("{\"c\":3}", 4L)], ReadAll("{\"a\":1}\r\n\n{\"b\":2}\n{\"c\":3}"));
    }

    [Fact]
    public void TryReadLine_LinesLongerThanBuffer_ReadWhole()
    {
        var big = "{\"x\":\"" + new string('a', 200_000) + "\"}";
        Assert.Equal([big, "{}"], ReadAll(big + "\n{}\n").Select(l => l.Line));
    }

    [Fact]
    public void TryReadLine_AnyLines_RoundTrip()
    {
        Gen.String[Gen.Char.AlphaNumeric, 1, 300].List[0, 50].Sample(lines =>
        {
            var read = ReadAll(string.Join("\n", lines) + "\n").Select(l => l.Line).ToList();
            Assert.Equal(lines, read);
        });
    }
}
