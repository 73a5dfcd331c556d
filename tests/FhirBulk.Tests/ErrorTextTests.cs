using System.Text.Json;

namespace FhirBulk.Tests;

public class ErrorTextTests
{
    [Fact]
    public void Describe_JsonCutShort_PositionsCountedFromOneWithoutInternals()
    {
        var exception = Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse("{\"a\":\n  [1,"));

        var text = ErrorText.Describe(exception);

        Assert.DoesNotContain("LineNumber", text, StringComparison.Ordinal);
        Assert.EndsWith($"(line {exception.LineNumber + 1}, byte {exception.BytePositionInLine + 1})", text, StringComparison.Ordinal);
        Assert.Equal(2, exception.LineNumber + 1);
    }

    [Theory]
    [InlineData("{\"select\": [1, 2,]}", "trailing comma")]
    [InlineData("{\"name\": \"x\",}", "trailing comma")]
    [InlineData("{\"name\": \"x\" /* c */}", "")]
    public void Describe_JsonTheUserWrote_NamesTheFaultWithoutAdviceOnReaderOptions(string json, string fault)
    {
        var exception = Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(json));

        var text = ErrorText.Describe(exception);

        Assert.Contains(fault, text, StringComparison.Ordinal);
        Assert.DoesNotContain("reader options", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("in this mode", text, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutParameter_OutOfRange_KeepsOnlyTheMessage()
    {
        var exception = new ArgumentOutOfRangeException("Port", 99999, "Port must be 0..65535.");

        Assert.Equal("Port must be 0..65535.", ErrorText.WithoutParameter(exception));
    }
}
