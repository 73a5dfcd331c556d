using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using CsCheck;
using FhirBulk.Tests.Support;

namespace FhirBulk.Tests.Ndjson;

/// <summary>Generators of NDJSON lines for the line contract's property tests: resources as servers write them, and everything else a line can be.</summary>
internal static class NdjsonGen
{
    // Declared before the generators that use it: static fields initialise in order.
    private static readonly Gen<string> GenKey = Gen.OneOf<string>("id", "status", "code", "resourceTypeX", "a b", "é");

    // Servers write keys as they are (é, not \u00e9); escaped top-level keys are left to the reader on purpose.
    private static JsonTypeInfo<string> Unescaped => TestJson.Unescaped.String;

    /// <summary>Lines as servers write them: a resourceType and maybe a string id among arbitrary JSON members, any spacing.</summary>
    public static readonly Gen<string> Resource = Gen.Select(
        Gen.OneOf<string>("Patient", "Observation", "Condition"),
        Gen.OneOf<string?>(null, "1", "p-1", "a.b", "Zoë"),
        Member(3).Array[0, 5],
        Gen.Int[0, 5],
        Gen.OneOf<string>("", " ", "\t", " \r"))
        .Select((type, id, members, at, space) =>
        {
            // A resource's id is a string: generated top-level "id" members (any value) are content only deeper down.
            var all = members.Where(m => !m.StartsWith("\"id\":", StringComparison.Ordinal)).ToList();
            all.Insert(Math.Min(at, all.Count), $"\"resourceType\"{space}:{space}\"{type}\"");
            if (id is not null)
            {
                all.Insert(Math.Min(at, all.Count), $"\"id\"{space}:{space}{JsonSerializer.Serialize(id, Unescaped)}");
            }

            return space + "{" + string.Join("," + space, all) + "}" + space;
        });

    /// <summary>Resource lines with single-byte edits, which hit every grammar rule's boundary.</summary>
    public static readonly Gen<string> Mutated = Gen.Select(
        Resource,
        Gen.Select(Gen.Int[0, 1000], Gen.Int[0, 2], Gen.OneOf("{}[]:,\"\\ -+.eE0159tfnulx\u00e9\t".ToCharArray().Select(c => c.ToString()).ToArray())).Array[1, 3])
        .Select((line, edits) =>
        {
            var text = line;
            foreach (var (at, kind, piece) in edits)
            {
                var i = at % (text.Length + 1);
                text = kind switch
                {
                    0 => text.Insert(i, piece),
                    1 when i < text.Length => text.Remove(i, 1),
                    _ when i < text.Length => text.Remove(i, 1).Insert(i, piece),
                    _ => text,
                };
            }

            return text;
        });

    /// <summary>Lines every consumer must judge alike: one of each kind of problem, and blank ones.</summary>
    public static readonly byte[][] SpecialLines =
    [
        .. new[]
        {
            "", "   ", "\t \r", "42", "[1,2]", "\"Patient\"", "null", "true", "{}", "{\"id\":\"x\"}",
            "{\"resourceType\":\"Patient\",\"id\":5}", "{\"resourceType\":\"Patient\",\"id\":null}", "{\"resourceType\":\"Patient\",\"id\":[\"a\"]}",
            "{\"resourceType\":\"Patient\",\"id\":\"a\",\"id\":\"b\"}", "{\"resourceType\":\"\"}", "{\"resourceType\":7}",
            "{\"resourceType\":\"Patient\",\"resourceType\":\"Patient\"}", "{\"resourceType\":\"Patient\"} junk", "{\"resourceType\":\"Patient\"}{}",
            "{\"resourceType\":\"Pa\\u0074ient\",\"id\":\"\\u0031\"}", "{\"resource\\u0054ype\":\"Patient\"}", "{\"resourceType\":\"\\ud800\"}",
            "{\"resourceType\":\"Patient\",\"a\":\"\\ud800\"}", "{\"resourceType\":\"Patient\",\r\"id\":\"cr\"}", "{\"resourceType\":\"Patient\",}",
            "{\"resourceType\":\"Patient\",\"contained\":[{\"resourceType\":\"Medication\",\"id\":5}]}", "{\"id\":\"x\",\"entry\":[{\"resourceType\":\"Patient\"}]}",
            Nested(64), Nested(65), "\uFEFF{\"resourceType\":\"Patient\"}",
        }.Select(Encoding.UTF8.GetBytes),
        [.. "{\"resourceType\":\"Patient\",\"a\":\""u8, 0xC3, 0x28, .. "\"}"u8],
        [.. "{\"resourceType\":\"Pat"u8, 0xFF, .. "ient\"}"u8],
        [.. "{\"resourceType\":\"Patient\"}"u8, 0xE2, 0x82],
    ];

    /// <summary>Any line: mostly resources, then edited ones and the special cases.</summary>
    public static readonly Gen<byte[]> Line = Gen.Frequency(
        (5, Resource.Select(Encoding.UTF8.GetBytes)),
        (2, Mutated.Select(Encoding.UTF8.GetBytes)),
        (3, Gen.OneOf<byte[]>(SpecialLines)));

    /// <summary>A resource nested <paramref name="levels"/> deep, counting its own object: the reader allows 64.</summary>
    public static string Nested(int levels) =>
        "{\"resourceType\":\"Basic\",\"a\":" + new string('[', levels - 1) + new string(']', levels - 1) + "}";

    private static Gen<string> Member(int depth) =>
        Gen.Select(GenKey, Value(depth)).Select((key, value) => $"{JsonSerializer.Serialize(key, Unescaped)}:{value}");

    private static Gen<string> Value(int depth)
    {
        var scalar = Gen.OneOf(
            Gen.String[Gen.Char[' ', '~'], 0, 80].Select(s => JsonSerializer.Serialize(s, TestJson.Default.String)),
            Gen.OneOf<string>("\"line\\nbreak\"", "\"quote\\\"d\"", "\"\\u00e9\\/\"", "\"Zoë 李\""),
            Gen.Double.Where(double.IsFinite).Select(d => JsonSerializer.Serialize(d, TestJson.Default.Double)),
            Gen.Long.Select(l => l.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            Gen.OneOf<string>("true", "false", "null", "0", "-0", "1e5", "2.5E-3", "-0.0"));
        if (depth == 0)
        {
            return scalar;
        }

        return Gen.Frequency(
            (4, (IGen<string>)scalar),
            (1, (IGen<string>)Value(depth - 1).Array[0, 4].Select(items => "[" + string.Join(",", items) + "]")),
            (1, (IGen<string>)Member(depth - 1).Array[0, 4].Select(members => "{" + string.Join(",", members) + "}")));
    }
}
