using System.Text;
using System.Text.Json;
using CsCheck;
using FhirBulk.Views.FhirPath.Json;
using FhirBulk.Tests.Support;

namespace FhirBulk.Tests.Views.FhirPath.Json;

/// <summary>
/// The byte walking of the JSON engine against <see cref="Utf8JsonReader"/> on generated JSON: where a string, a value
/// and every member of an object end. The walking takes shortcuts by 32- and 64-byte blocks, so the generators favour
/// what crosses those borders: backslash runs, escaped quotes, multi-byte characters, whitespace and deep nesting.
/// </summary>
public class JsonTextSkipProperties
{
    // String content: plain ASCII, runs of backslashes and escaped quotes, multi-byte characters, \u escapes.
    private static readonly Gen<string> StringContent = Gen.OneOf(
            Gen.String[Gen.Char['a', 'z'], 0, 40],
            Gen.Int[1, 6].Select(n => new string('\\', n)),
            Gen.Const("\""),
            Gen.Const("}]{[,:"),
            Gen.OneOf<string>("é", "日本", "😀", "\n", "\u0001", "\u2028"))
        .Array[0, 8]
        .Select(parts => string.Concat(parts));

    // Multi-byte characters are written as they are, not as \u escapes; control characters are escaped, as JSON requires.
    private static readonly Gen<string> JsonString = StringContent.Select(s => JsonSerializer.Serialize(s, TestJson.Unescaped.String));

    private static readonly Gen<string> Whitespace = Gen.OneOf<string>("", "", " ", "\t", "\r\n  ");

    private static readonly Gen<string> Value = Gen.Recursive<string>((depth, inner) => depth >= 6
        ? Gen.OneOf(JsonString, Gen.OneOf<string>("0", "-12.5e-3", "true", "false", "null", "1e2"))
        : Gen.OneOf(
            JsonString,
            Gen.OneOf<string>("0", "-12.5e-3", "true", "false", "null", "170"),
            Gen.Select(Whitespace, inner, Whitespace).Array[0, 5]
                .Select(items => "[" + string.Join(",", items.Select(i => i.Item1 + i.Item2 + i.Item3)) + "]"),
            Gen.Select(JsonString, Whitespace, inner).Array[0, 6]
                .Select(members => "{" + string.Join(",", members.Select(m => $"{m.Item2}{m.Item1}{m.Item2}:{m.Item2}{m.Item3}")) + "}")));

    [Fact]
    public void SkipString_GeneratedStringsAtAnyOffset_EndWhereTheReaderDoes()
    {
        Gen.Select(Gen.Int[0, 70], JsonString, Gen.String[Gen.Char[' ', '~'], 0, 70]).Sample((pad, json, after) =>
        {
            // Quoted text after the string must not be taken for its end.
            var bytes = Encoding.UTF8.GetBytes(new string(' ', pad) + json + ",\"" + after.Replace("\\", "", StringComparison.Ordinal).Replace("\"", "", StringComparison.Ordinal) + "\"");
            var end = pad + Encoding.UTF8.GetByteCount(json);

            // Each first-look width, whichever this machine uses: the Native AOT build looks at 16 bytes, AVX2 at 32.
            return JsonText.SkipString(bytes, pad) == end && JsonText.SkipStringBy16(bytes, pad) == end && JsonText.SkipStringBy32(bytes, pad) == end;
        });
    }

    [Fact]
    public void SkipValue_GeneratedValuesAtAnyOffset_EndWhereTheReaderDoes()
    {
        Gen.Select(Gen.Int[0, 70], Value).Sample((pad, json) =>
        {
            var bytes = Encoding.UTF8.GetBytes(new string(' ', pad) + json + " ,\"x\"]");
            return JsonText.SkipValue(bytes, pad) == pad + JsonTextTests.ReaderEnd(json + " ,1");
        });
    }

    [Fact]
    public void NextMember_GeneratedObjects_GivesTheReadersNamesAndValueSpans()
    {
        Gen.Select(JsonString, Whitespace, Value).Array[0, 12]
            .Select(members => "{" + string.Join(",", members.Select(m => $"{m.Item2}{m.Item1}{m.Item2}:{m.Item2}{m.Item3}{m.Item2}")) + "}")
            .Sample(json =>
            {
                var bytes = Encoding.UTF8.GetBytes(json);
                var expected = ReaderMembers(bytes);
                var found = new List<(int, int, int, int)>();
                var at = 1;
                while (JsonText.NextMember(bytes, ref at, out var nameStart, out var nameEnd, out var valueStart, out var valueEnd))
                {
                    found.Add((nameStart, nameEnd, valueStart, valueEnd));
                }

                return bytes[at] == (byte)'}' && found.SequenceEqual(expected);
            });
    }

    // Each top-level member as the reader sees it: its raw name's span without quotes, and its value's span.
    private static List<(int NameStart, int NameEnd, int ValueStart, int ValueEnd)> ReaderMembers(byte[] json)
    {
        var members = new List<(int, int, int, int)>();
        var reader = new Utf8JsonReader(json);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var nameStart = (int)reader.TokenStartIndex + 1;
            var nameEnd = nameStart + reader.ValueSpan.Length;
            reader.Read();
            var valueStart = (int)reader.TokenStartIndex;
            reader.Skip();
            members.Add((nameStart, nameEnd, valueStart, (int)reader.BytesConsumed));
        }

        return members;
    }
}
