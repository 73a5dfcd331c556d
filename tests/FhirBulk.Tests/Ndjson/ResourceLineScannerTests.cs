using System.Text;
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
        Assert.True(ResourceLineScanner.TryScan(Encoding.UTF8.GetBytes(line), out var key));
        Assert.Equal(type, Encoding.UTF8.GetString(key.ResourceType));
    }

    [Theory]
    [InlineData("{\"resourceType\":\"Patient\",\"id\":\"p-1\"}", "p-1")]
    [InlineData("{\"id\" : \"Zoë\", \"resourceType\":\"Patient\"}", "Zoë")]
    [InlineData("{\"resourceType\":\"Bundle\",\"id\":\"b\",\"entry\":[{\"resource\":{\"resourceType\":\"Patient\",\"id\":7}}]}", "b")]
    public void TryScan_StringId_FindsTopLevelId(string line, string id)
    {
        Assert.True(ResourceLineScanner.TryScan(Encoding.UTF8.GetBytes(line), out var key));
        Assert.True(key.HasId);
        Assert.Equal(id, Encoding.UTF8.GetString(key.Id));
    }

    [Fact]
    public void TryScan_NoId_SaysSo()
    {
        Assert.True(ResourceLineScanner.TryScan("{\"resourceType\":\"Patient\",\"a\":{\"id\":\"nested\"}}"u8, out var key));
        Assert.False(key.HasId);
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
    [InlineData("{\"resourceType\":\"\"}")]
    [InlineData("{\"resourceType\":\"Pa\\u0074ient\"}")]
    [InlineData("{\"resource\\u0054ype\":\"Patient\"}")]
    [InlineData("{\"resourceType\":\"Patient\",\"resourceType\":\"Patient\"}")]
    [InlineData("{\"resourceType\":\"Patient\",\"id\":5}")]
    [InlineData("{\"resourceType\":\"Patient\",\"id\":null}")]
    [InlineData("{\"resourceType\":\"Patient\",\"id\":\"\\u0031\"}")]
    [InlineData("{\"resourceType\":\"Patient\",\"i\\u0064\":\"1\"}")]
    [InlineData("{\"resourceType\":\"Patient\",\"id\":\"a\",\"id\":\"b\"}")]
    public void TryScan_InvalidOrUnusualLine_LeavesItToTheReader(string line)
    {
        Assert.False(ResourceLineScanner.TryScan(Encoding.UTF8.GetBytes(line), out _));
    }

    [Fact]
    public void TryScan_NestingBeyondTheReadersDepth_LeavesItToTheReader()
    {
        Assert.True(ResourceLineScanner.TryScan(Encoding.UTF8.GetBytes(NdjsonGen.Nested(ResourceLineScanner.MaxDepth)), out _));
        Assert.False(ResourceLineScanner.TryScan(Encoding.UTF8.GetBytes(NdjsonGen.Nested(ResourceLineScanner.MaxDepth + 1)), out _));
    }

    [Fact]
    public void TryScan_InvalidUtf8_LeavesItToTheReader()
    {
        byte[] line = [.. "{\"resourceType\":\"Patient\",\"a\":\""u8, 0xC3, 0x28, .. "\"}"u8];

        Assert.False(ResourceLineScanner.TryScan(line, out _));
    }

    [Fact]
    public void TryScan_GeneratedResources_AcceptedWithTheReadersTypeAndId()
    {
        NdjsonGen.Resource.Sample(line =>
        {
            var bytes = Encoding.UTF8.GetBytes(line);
            return ResourceLineScanner.TryScan(bytes, out var key) && SameKey(key, ResourceLineOracle.Key(bytes));
        });
    }

    [Fact]
    public void TryScan_AcceptedLine_SaysItMayHoldEscapesExactlyWhenItHoldsABackslash()
    {
        // The view runner's line prefilter trusts a "no escapes" answer to skip its own search for a backslash.
        Gen.OneOf(NdjsonGen.Resource.Select(Encoding.UTF8.GetBytes), NdjsonGen.Mutated.Select(Encoding.UTF8.GetBytes), NdjsonGen.Line).Sample(
            bytes => !ResourceLineScanner.TryScan(bytes, out var key) || key.MayHoldEscapes == bytes.AsSpan().Contains((byte)'\\'),
            iter: 20_000);
        Assert.True(ResourceLineScanner.TryScan("{\"resourceType\":\"Observation\",\"code\":{\"coding\":[{\"code\":\"72166\\u002d2\"}]}}"u8, out var escaped));
        Assert.True(escaped.MayHoldEscapes);
        Assert.True(ResourceLineScanner.TryScan("{\"resourceType\":\"Observation\",\"code\":{\"a\\nb\":1}}"u8, out var escapedName));
        Assert.True(escapedName.MayHoldEscapes);
        Assert.True(ResourceLineScanner.TryScan("{\"resourceType\":\"Observation\",\"code\":{\"coding\":[{\"code\":\"72166-2\"}]}}"u8, out var plain));
        Assert.False(plain.MayHoldEscapes);
    }

    [Fact]
    public void TryScan_AcceptedLine_TopLevelMembersWhereTheEnginesOwnWalkFindsThem()
    {
        // The view engine indexes a resource from this table instead of walking its bytes: the two must agree.
        Gen.OneOf(NdjsonGen.Resource.Select(Encoding.UTF8.GetBytes), NdjsonGen.Mutated.Select(Encoding.UTF8.GetBytes)).Sample(bytes =>
        {
            var table = new int[4 * 64];
            if (!ResourceLineScanner.TryScan(bytes, out _, table, out var count))
            {
                return true;
            }

            var walked = FhirBulk.Views.FhirPath.Json.TopLevelIndex.Build(bytes).Members.ToArray();
            return count == walked.Length
                && table.AsSpan(0, 4 * count).SequenceEqual(walked.SelectMany(m => new[] { m.NameStart, m.NameEnd, m.ValueStart, m.ValueEnd }).ToArray());
        }, iter: 5_000);
    }

    [Fact]
    public void TryScan_MoreTopLevelMembersThanRoom_AcceptedWithoutThem()
    {
        var line = "{\"resourceType\":\"Patient\",\"a\":1,\"b\":[2],\"c\":{\"d\":3}}"u8;

        Assert.True(ResourceLineScanner.TryScan(line, out _, new int[4 * 4], out var all));
        Assert.True(ResourceLineScanner.TryScan(line, out var key, new int[4 * 3], out var none));

        Assert.Equal(4, all);
        Assert.Equal(-1, none);
        Assert.Equal("Patient"u8.ToArray(), key.ResourceType.ToArray());
    }

    [Fact]
    public void TryScan_MutatedResources_NeverAcceptsWhatTheReaderRejects()
    {
        // Whatever the scanner accepts, the reader must accept with the same resourceType and id.
        Gen.OneOf(NdjsonGen.Mutated.Select(Encoding.UTF8.GetBytes), NdjsonGen.Line).Sample(
            bytes => !ResourceLineScanner.TryScan(bytes, out var key) || SameKey(key, ResourceLineOracle.Key(bytes)),
            iter: 20_000);
    }

    [Fact]
    public void NextStringStop_EveryVectorWidth_FindsTheStopTheByteSearchFinds()
    {
        // The width in use depends on the hardware and the build (16 bytes in the Native AOT build, 32 under the JIT on
        // AVX2), so each is held to the byte search here, on runs that cross 16- and 32-byte borders at any offset.
        var content = Gen.OneOf(Gen.Byte[0x20, 0xFF], Gen.Byte[0x20, 0xFF], Gen.Byte[0x20, 0xFF], Gen.OneOf(Gen.Const((byte)'"'), Gen.Const((byte)'\\'), Gen.Byte[0, 0x1F]));
        Gen.Select(content.Array[0, 120], Gen.Int[0, 120]).Sample((bytes, start) =>
        {
            var from = Math.Min(start, bytes.Length);
            var expected = ResourceLineScanner.NextStringStopByByte(bytes, from);
            return ResourceLineScanner.NextStringStopBy16(bytes, from) == expected && ResourceLineScanner.NextStringStopBy32(bytes, from) == expected;
        });
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
                Assert.Equal(type, Encoding.UTF8.GetString(found.ResourceType));
                Assert.True(found.HasId);
            }
        }
    }

    private static bool SameKey(ResourceLineKey key, ResourceLineOracle.Resource? expected) =>
        expected is { } resource
        && key.ResourceType.SequenceEqual(resource.Type)
        && key.HasId == (resource.Id is not null)
        && key.Id.SequenceEqual(resource.Id ?? []);
}
