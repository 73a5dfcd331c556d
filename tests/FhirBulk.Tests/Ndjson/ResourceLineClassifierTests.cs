using System.Text;
using CsCheck;
using FhirBulk.Ndjson;

namespace FhirBulk.Tests.Ndjson;

public class ResourceLineClassifierTests
{
    private static string? Problem(string line) => ResourceLineClassifier.Classify(Encoding.UTF8.GetBytes(line), 0, out _);

    [Theory]
    [InlineData("""[{"resourceType":"Patient"}]""", "not a JSON object (starts with an array)")]
    [InlineData("\"Patient\"", "not a JSON object (starts with a string)")]
    [InlineData("42", "not a JSON object (starts with a number)")]
    [InlineData("""{"id":"x"}""", "no \"resourceType\"")]
    [InlineData("""{"resourceType":7}""", "\"resourceType\" is a number, not a string")]
    [InlineData("""{"resourceType":""}""", "\"resourceType\" is an empty string")]
    [InlineData("""{"resourceType":"Patient","id":5}""", "\"id\" is a number, not a string")]
    [InlineData("""{"resourceType":"Patient","id":null}""", "\"id\" is null, not a string")]
    [InlineData("""{"resourceType":"Patient","resourceType":"Patient"}""", "\"resourceType\" appears twice")]
    [InlineData("""{"resourceType":"Patient","id":"a","id":"b"}""", "\"id\" appears twice")]
    [InlineData("""{"resourceType":"\ud800"}""", "\"resourceType\" holds an unpaired surrogate escape (\\uD800-\\uDFFF)")]
    [InlineData("""{"resourceType":"Patient"} x""", "not valid JSON: 'x' is invalid after a single JSON value. Expected end of data (at byte 28 of the line)")]
    [InlineData("""{"resourceType":"Patient",}""", "not valid JSON: The JSON object contains a trailing comma at the end (at byte 27 of the line)")]
    [InlineData("this is not json", "not a JSON object (starts with 'this is not json')")]
    [InlineData("<html><head><title>502 Bad Gateway</title></head></html>", "not a JSON object (starts with '<html><head><title>502 B…')")]
    [InlineData("nul", "not a JSON object (starts with 'nul')")]
    [InlineData("Ünïcödé\tand a tab", "not a JSON object (starts with 'Ünïcödé\\u0009and a tab')")]
    [InlineData("\uFEFF{\"resourceType\":\"Patient\"}", "not a JSON object (starts with a byte-order mark, U+FEFF, which only a file's first line may have)")]
    [InlineData("{oops", "not valid JSON: 'o' is an invalid start of a property name. Expected a '\"' (at byte 2 of the line)")]
    public void Classify_NotAResource_OneWordingOfTheProblem(string line, string problem) =>
        Assert.Equal(problem, Problem(line));

    [Theory]
    [InlineData("""{"resourceType":"Patient","id":"a""")]
    [InlineData("""{"resourceType":"Patient","active":tr""")]
    [InlineData("{\"resourceType\":\"Patient\"")]
    [InlineData("""{"resourceType":"Patient","name":[{"given":["Ab""")]
    [InlineData("""{"resourceType":"Patient",""")]
    [InlineData("""{"resourceType":"Patient","a":[1,""")]
    [InlineData("""{"resourceType":"Patient","a":""")]
    [InlineData("""{"resourceType":"Patient","a":1""")]
    public void Classify_LineEndingBeforeItsJson_SaysTheEndOfTheLineRatherThanWhereTheReaderStopped(string line)
    {
        string problem = ResourceLineClassifier.Classify(Encoding.UTF8.GetBytes(line), 2, out _)!;

        Assert.StartsWith("not valid JSON: ", problem, StringComparison.Ordinal);
        Assert.EndsWith(" (at the end of the line)", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("at byte", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Classify_InvalidUtf8_NamesTheByteCountingWhatPrecedesTheText()
    {
        byte[] line = [.. "{\"resourceType\":\"Pat"u8, 0xFF, .. "ient\"}"u8];

        Assert.Equal("not valid UTF-8 (at byte 24 of the line)", ResourceLineClassifier.Classify(line, 3, out _));
    }

    [Fact]
    public void Classify_EscapedTypeAndId_GivesThemUnescaped()
    {
        Assert.Null(ResourceLineClassifier.Classify("{\"resourceType\":\"Pa\\u0074ient\",\"id\":\"\\u0031\"}"u8, 0, out var key));

        Assert.Equal("Patient", Encoding.UTF8.GetString(key.ResourceType));
        Assert.Equal("1", Encoding.UTF8.GetString(key.Id));
    }

    [Fact]
    public void Classify_AnyLine_AcceptsExactlyWhatTheOracleAcceptsWithItsTypeAndId()
    {
        NdjsonGen.Line.Sample(
            bytes =>
            {
                var line = bytes.AsSpan().Trim(" \t\r"u8);
                var expected = ResourceLineOracle.Key(line.ToArray());
                var problem = ResourceLineClassifier.Classify(line, 0, out var key);
                return problem is null
                    ? expected is not null && key.ResourceType.SequenceEqual(expected.Type) && key.HasId == (expected.Id is not null) && key.Id.SequenceEqual(expected.Id ?? [])
                    : expected is null && problem.Length > 0;
            },
            iter: 20_000);
    }
}
