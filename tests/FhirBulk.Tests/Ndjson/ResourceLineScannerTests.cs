using System.Text;
using System.Text.Json;
using CsCheck;
using FhirBulk.Ndjson;
using FhirBulk.Tests.Views;

namespace FhirBulk.Tests.Ndjson;

public class ResourceLineScannerTests
{
    [Theory]
    [InlineData("{\"resourceType\":\"Patient\"}", "Patient")]
    [InlineData(" \t{ \"id\" : \"1\" , \"resourceType\" : \"Observation\" }\r", "Observation")]
    [InlineData("{\"a\":[],\"b\":{},\"c\":[1,-0.5e+3,true,false,null,\"x\\\"\\u00e9\\n\"],\"resourceType\":\"Patient\"}", "Patient")]
    [InlineData("{\"contained\":[{\"resourceType\":\"Medication\"}],\"resourceType\":\"MedicationRequest\"}", "MedicationRequest")]
    [InlineData("{\"resourceType\":\"Patient\",\"name\":[{\"given\":[\"Zoë\",\"李\"]}]}", "Patient")]
    public void TryScan_ValidResource_FindsTopLevelResourceType(string line, string type)
    {
        Assert.True(ResourceLineScanner.TryScan(Encoding.UTF8.GetBytes(line), out var found));
        Assert.Equal(type, Encoding.UTF8.GetString(found));
    }

    [Theory]
    [InlineData("")]
    [InlineData("[1]")]
    [InlineData("{\"id\":\"1\"}")]
    [InlineData("{\"resourceType\":\"Patient\"")]
    [InlineData("{\"resourceType\":\"Patient\"} x")]
    [InlineData("{\"resourceType\":\"Patient\",}")]
    [InlineData("{\"resourceType\":\"Patient\",\"a\":[1,]}")]
    [InlineData("{\"resourceType\":\"Patient\",\"a\":01}")]
    [InlineData("{\"resourceType\":\"Patient\",\"a\":1.}")]
    [InlineData("{\"resourceType\":\"Patient\",\"a\":tru}")]
    [InlineData("{\"resourceType\":\"Patient\",\"a\":\"\\x\"}")]
    [InlineData("{\"resourceType\":\"Patient\",\"a\":\"tab\there\"}")]
    [InlineData("{\"resourceType\":\"Patient\",\"a\":[}")]
    [InlineData("{\"resourceType\":7}")]
    [InlineData("{\"resourceType\":\"Pa\\u0074ient\"}")]
    [InlineData("{\"resource\\u0054ype\":\"Patient\"}")]
    [InlineData("{\"resourceType\":\"Patient\",\"resourceType\":\"Patient\"}")]
    public void TryScan_InvalidOrUnusualLine_LeavesItToTheReader(string line)
    {
        Assert.False(ResourceLineScanner.TryScan(Encoding.UTF8.GetBytes(line), out _));
    }

    [Fact]
    public void TryScan_NestingBeyondTheReadersDepth_LeavesItToTheReader()
    {
        string Nested(int levels) => "{\"resourceType\":\"Basic\",\"a\":" + new string('[', levels - 1) + new string(']', levels - 1) + "}";

        Assert.True(ResourceLineScanner.TryScan(Encoding.UTF8.GetBytes(Nested(ResourceLineScanner.MaxDepth)), out _));
        Assert.False(ResourceLineScanner.TryScan(Encoding.UTF8.GetBytes(Nested(ResourceLineScanner.MaxDepth + 1)), out _));
    }

    [Fact]
    public void TryScan_InvalidUtf8_LeavesItToTheReader()
    {
        byte[] line = [.. "{\"resourceType\":\"Patient\",\"a\":\""u8, 0xC3, 0x28, .. "\"}"u8];

        Assert.False(ResourceLineScanner.TryScan(line, out _));
    }

    [Fact]
    public void TryScan_GeneratedResources_AcceptedWithTheReadersResourceType()
    {
        GenResourceLine.Sample(line =>
        {
            var bytes = Encoding.UTF8.GetBytes(line);
            return ResourceLineScanner.TryScan(bytes, out var type) && type.SequenceEqual(ReaderResourceType(bytes)!);
        });
    }

    [Fact]
    public void TryScan_MutatedResources_NeverAcceptsWhatTheReaderRejects()
    {
        // Single-byte edits of valid lines hit every grammar rule's boundary: whatever the scanner accepts, the reader
        // must accept with the same resourceType.
        var edit = Gen.Select(Gen.Int[0, 1000], Gen.Int[0, 2], Gen.OneOf("{}[]:,\"\\ -+.eE0159tfnulx\u00e9\t".ToCharArray().Select(c => c.ToString()).ToArray()));
        Gen.Select(GenResourceLine, edit.Array[1, 3]).Sample((line, edits) =>
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

            var bytes = Encoding.UTF8.GetBytes(text);
            return !ResourceLineScanner.TryScan(bytes, out var type) || type.SequenceEqual(ReaderResourceType(bytes) ?? []);
        }, iter: 20_000);
    }

    [SharedFact]
    public void TryScan_SyntheaSample_AcceptsEveryLine()
    {
        foreach (var file in Directory.EnumerateFiles(SharedData.Path("fixtures", "synthea-sample-10"), "*.ndjson").Where(f => char.IsUpper(Path.GetFileName(f)[0])))
        {
            var type = Path.GetFileName(file).Split('.')[0];
            foreach (var line in File.ReadLines(file).Where(l => l.Length > 0))
            {
                Assert.True(ResourceLineScanner.TryScan(Encoding.UTF8.GetBytes(line), out var found), $"{file}: {line[..Math.Min(80, line.Length)]}");
                Assert.Equal(type, Encoding.UTF8.GetString(found));
            }
        }
    }

    // Declared before the generators that use it: static fields initialise in order.
    private static readonly Gen<string> GenKey = Gen.OneOf<string>("id", "status", "code", "resourceTypeX", "a b", "é");

    /// <summary>Lines as servers write them: a resourceType somewhere among arbitrary JSON members, any spacing.</summary>
    private static readonly Gen<string> GenResourceLine = Gen.Select(
        Gen.OneOf<string>("Patient", "Observation", "Condition"),
        GenMember(3).Array[0, 5],
        Gen.Int[0, 5],
        Gen.OneOf<string>("", " ", "\t", " \r"))
        .Select((type, members, at, space) =>
        {
            var all = members.ToList();
            all.Insert(Math.Min(at, all.Count), $"\"resourceType\"{space}:{space}\"{type}\"");
            return space + "{" + string.Join("," + space, all) + "}" + space;
        });

    private static Gen<string> GenMember(int depth) =>
        Gen.Select(GenKey, GenValue(depth)).Select((key, value) => $"{JsonSerializer.Serialize(key, Unescaped)}:{value}");

    // Servers write keys as they are (é, not \u00e9); escaped top-level keys are left to the reader on purpose.
    private static readonly JsonSerializerOptions Unescaped = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static Gen<string> GenValue(int depth)
    {
        var scalar = Gen.OneOf(
            Gen.String[Gen.Char[' ', '~'], 0, 80].Select(s => JsonSerializer.Serialize(s)),
            Gen.OneOf<string>("\"line\\nbreak\"", "\"quote\\\"d\"", "\"\\u00e9\\/\"", "\"Zoë 李\""),
            Gen.Double.Where(double.IsFinite).Select(d => JsonSerializer.Serialize(d)),
            Gen.Long.Select(l => l.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            Gen.OneOf<string>("true", "false", "null", "0", "-0", "1e5", "2.5E-3", "-0.0"));
        if (depth == 0)
        {
            return scalar;
        }

        return Gen.Frequency(
            (4, (IGen<string>)scalar),
            (1, (IGen<string>)GenValue(depth - 1).Array[0, 4].Select(items => "[" + string.Join(",", items) + "]")),
            (1, (IGen<string>)GenMember(depth - 1).Array[0, 4].Select(members => "{" + string.Join(",", members) + "}")));
    }

    /// <summary>The yardstick: the top-level resourceType as <see cref="Utf8JsonReader"/> reads it, or null if the line is not one valid JSON object with one.</summary>
    private static byte[]? ReaderResourceType(byte[] line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("resourceType", out var type) && type.ValueKind == JsonValueKind.String
                ? Encoding.UTF8.GetBytes(type.GetString()!)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
