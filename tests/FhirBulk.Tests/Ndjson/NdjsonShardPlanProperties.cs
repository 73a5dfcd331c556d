using System.Text;
using CsCheck;
using FhirBulk.Ndjson;
using FhirBulk.Tests.Tables.TestSupport;

namespace FhirBulk.Tests.Ndjson;

/// <summary>
/// For any folder of NDJSON (random line lengths, CRLF, blank and malformed lines, a last line without a newline, gzip
/// files) and any unit size and shard count 1..8, the shards' resources together are exactly a single run's.
/// </summary>
public class NdjsonShardPlanProperties
{
    private static readonly Gen<string> GenLine = Gen.Frequency(
        (8, Gen.Select(Gen.OneOf<string>("Patient", "Observation"), Gen.String[Gen.Char.AlphaNumeric, 1, 8], Gen.Int[0, 300])
            .Select((type, id, pad) => $$"""{"resourceType":"{{type}}","id":"{{id}}","pad":"{{new string('z', pad)}}"}""")),
        (1, Gen.Const("")),
        (1, Gen.Const("not json")));

    private static readonly Gen<GenFile> GenFileContent =
        Gen.Select(GenLine.List[0, 30], Gen.Bool, Gen.Bool, Gen.Int[0, 9])
            .Select((lines, crlf, trailingNewline, kind) => new GenFile(lines, crlf, trailingNewline, Gzip: kind == 0));

    private static readonly Gen<Input> GenInput =
        Gen.Select(GenFileContent.List[1, 5], Gen.Int[1, 8], Gen.Long[16, 2000])
            .Select((files, shards, unit) => new Input(files, shards, unit));

    [Fact]
    public Task SourceFor_EveryShardTogether_SameResourcesAndMalformedLinesAsOneRun() =>
        GenInput.SampleAsync(async input =>
        {
            using var dir = new TempFolder();
            input.WriteTo(dir.Path);
            NdjsonSource whole = NdjsonSource.FromFolder(dir.Path);
            List<string> expected = [.. (await whole.ReadAllAsync()).Select(Text)];
            long expectedMalformed = whole.MalformedLines.Count;

            NdjsonShardPlan plan = NdjsonShardPlan.Create(whole, input.Shards, input.UnitBytes);
            var union = new List<string>();
            long malformed = 0;
            for (int shard = 0; shard < input.Shards; shard++)
            {
                NdjsonSource part = plan.SourceFor(shard);
                union.AddRange((await part.ReadAllAsync()).Select(Text));
                malformed += part.MalformedLines.Count;
            }

            Assert.Equal(expected.Order(StringComparer.Ordinal), union.Order(StringComparer.Ordinal));
            Assert.Equal(expectedMalformed, malformed);
        }, iter: 150);

    [Fact]
    public void Create_AnyInput_UnitsCoverEveryFileOnceAndShareFairly() =>
        GenInput.Sample(input =>
        {
            using var dir = new TempFolder();
            input.WriteTo(dir.Path);
            NdjsonSource whole = NdjsonSource.FromFolder(dir.Path);

            NdjsonShardPlan plan = NdjsonShardPlan.Create(whole, input.Shards, input.UnitBytes);

            foreach (NdjsonFile file in whole.Files)
            {
                var units = plan.Units.Where(u => u.File == file).ToList();
                Assert.Equal(0, units[0].Start);
                Assert.All(units.Zip(units.Skip(1)), p => Assert.Equal(p.First.Start + p.First.Length, p.Second.Start));
                Assert.Equal(file.Length, units[^1].Start + units[^1].Length);
            }

            long[] loads = [.. Enumerable.Range(0, input.Shards).Select(s => plan.UnitsOf(s).Sum(u => u.Length))];
            long largest = plan.Units.Max(u => u.Length);
            Assert.True(loads.Max() - loads.Min() <= largest, $"loads {string.Join(",", loads)}, largest unit {largest}");
            Assert.Equal(plan.Fingerprint, NdjsonShardPlan.Create(NdjsonSource.FromFolder(dir.Path), input.Shards, input.UnitBytes).Fingerprint);
        }, iter: 100);

    private static string Text(ResourceLine line) => Encoding.UTF8.GetString(line.Json.Span);

    public sealed record GenFile(List<string> Lines, bool Crlf, bool TrailingNewline, bool Gzip)
    {
        // Framed as the framing properties frame lines, without a BOM.
        public byte[] Bytes() => new NdjsonFramingProperties.Framing(Lines, Crlf, TrailingNewline, Bom: false, Gzip, Chunks: [1]).Bytes();
    }

    public sealed record Input(List<GenFile> Files, int Shards, long UnitBytes)
    {
        public void WriteTo(string folder)
        {
            for (int i = 0; i < Files.Count; i++)
            {
                // Mixed-type names, so that every file is read whatever its lines hold.
                File.WriteAllBytes(Path.Combine(folder, $"mixed-{i:D2}.ndjson{(Files[i].Gzip ? ".gz" : "")}"), Files[i].Bytes());
            }
        }

        public override string ToString() =>
            $"shards={Shards}, unit={UnitBytes}, files=[{string.Join(" | ", Files.Select(f => $"{f.Lines.Count} lines crlf={f.Crlf} trailing={f.TrailingNewline} gzip={f.Gzip}"))}]";
    }
}
