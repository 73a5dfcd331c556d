using System.Text;
using FhirBulk.Ndjson;

namespace FhirBulk.Tests.Ndjson;

public class ResourceLineParserTests
{
    private static (bool Ok, string Type, string? Id, string? Error) Parse(string json)
    {
        bool ok = new ResourceLineParser().TryParse(Encoding.UTF8.GetBytes(json), out string type, out string? id, out string? error);
        return (ok, type, id, error);
    }

    [Fact]
    public void TryParse_Resource_ReadsTypeAndId()
    {
        var result = Parse("""{"id":"p1","name":[{"given":["A"]}],"resourceType":"Patient"}""");

        Assert.True(result.Ok);
        Assert.Equal("Patient", result.Type);
        Assert.Equal("p1", result.Id);
    }

    [Fact]
    public void TryParse_NestedIdAndResourceType_IgnoresThem()
    {
        var result = Parse("""{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Patient","id":"inner"}}]}""");

        Assert.True(result.Ok);
        Assert.Equal("Bundle", result.Type);
        Assert.Null(result.Id);
    }

    [Theory]
    [InlineData("""[{"resourceType":"Patient"}]""", "not a JSON object")]
    [InlineData("\"Patient\"", "not a JSON object")]
    [InlineData("""{"id":"x"}""", "no \"resourceType\"")]
    [InlineData("""{"resourceType":7}""", "not a string")]
    [InlineData("{\"resourceType\":\"Patient\",\"id\":\"x\"", "not valid JSON")]
    [InlineData("""{"resourceType":"Patient"} {"resourceType":"Patient"}""", "not valid JSON")]
    [InlineData("""{"resourceType":"Patient",}""", "not valid JSON")]
    public void TryParse_Malformed_SaysWhy(string json, string expected)
    {
        var result = Parse(json);

        Assert.False(result.Ok);
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_SameTypeTwice_ReturnsTheSameString()
    {
        var parser = new ResourceLineParser();
        parser.TryParse("""{"resourceType":"Observation"}"""u8, out string first, out _, out _);
        parser.TryParse("""{"resourceType":"Observation"}"""u8, out string second, out _, out _);

        Assert.Same(first, second);
    }
}
