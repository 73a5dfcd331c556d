using System.Text;
using System.Text.Json;
using CsCheck;
using FhirBulk.Views.FhirPath.Json;
using FhirBulk.Tests.Support;

namespace FhirBulk.Tests.Views.FhirPath.Json;

public class JsonTextTests
{
    [Theory]
    [InlineData("\\\\")]
    [InlineData("\\\"")]
    [InlineData("\\\\\\\"")]
    [InlineData("\\\\\\\\\\\"]}")]
    [InlineData("\\u007d\\u005d")]
    [InlineData("}]{[")]
    public void SkipValue_ContainerWithEscapesOrBracketsInStringsAtEveryBlockOffset_EndsWhereTheReaderDoes(string inString)
    {
        // The container skip works on 64-byte blocks and carries escapes and strings from one block to the next: put
        // the awkward string content at every offset around two block boundaries.
        for (var pad = 0; pad < 140; pad++)
        {
            var json = "{\"a\":\"" + new string('x', pad) + inString + "\",\"b\":[1,{\"c\":\"}\"}],\"d\":{}}, \"after\": 1";
            Assert.Equal(ReaderEnd(json), JsonText.SkipValue(Encoding.UTF8.GetBytes(json), 0));
        }
    }

    [Fact]
    public void SkipValue_GeneratedContainers_EndWhereTheReaderDoes()
    {
        Gen.Recursive<string>((depth, inner) => depth >= 4
                ? Gen.String[Gen.Char[' ', '~'], 0, 90].Select(s => JsonSerializer.Serialize(s, TestJson.Default.String))
                : Gen.OneOf(
                    Gen.String[Gen.Char[' ', '~'], 0, 90].Select(s => JsonSerializer.Serialize(s, TestJson.Default.String)),
                    Gen.OneOf<string>("1", "-2.5e3", "true", "null", "\"\\\\\"", "\"\\\"}]\""),
                    inner.Array[0, 5].Select(items => "[" + string.Join(",", items) + "]"),
                    Gen.Select(Gen.String[Gen.Char['a', 'z'], 1, 8], inner).Array[0, 5]
                        .Select(members => "{" + string.Join(",", members.Select(m => $"\"{m.Item1}\":{m.Item2}")) + "}")))
            .Where(json => json[0] is '{' or '[')
            .Sample(json => ReaderEnd(json + " ,1") == JsonText.SkipValue(Encoding.UTF8.GetBytes(json + " ,1"), 0));
    }

    /// <summary>Where the reader says the first value of <paramref name="json"/> ends.</summary>
    internal static int ReaderEnd(string json)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(json), new JsonReaderOptions { AllowMultipleValues = true });
        reader.Read();
        reader.Skip();
        return (int)reader.BytesConsumed;
    }
}
