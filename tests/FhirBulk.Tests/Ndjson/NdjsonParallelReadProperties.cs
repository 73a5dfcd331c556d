using CsCheck;
using FhirBulk.Ndjson;
using FhirBulk.Tests.Tables.TestSupport;
using static FhirBulk.Tests.Ndjson.NdjsonLineContractTests;

namespace FhirBulk.Tests.Ndjson;

/// <summary>
/// A source judges the lines of each read buffer on several threads; what it hands out must not depend on how many:
/// the same resources, the same malformed lines and the same failure, in reading order.
/// </summary>
public class NdjsonParallelReadProperties
{
    private static readonly Gen<NdjsonFileCase> GenFile = Gen.Select(
        NdjsonGen.Line.Array[0, 300],
        Gen.Bool.Array[1, 40],
        Gen.Bool,
        Gen.Bool,
        Gen.Frequency((3, Gen.Const(Compression.None)), (1, Gen.Const(Compression.Gzip)), (1, Gen.Const(Compression.GzipCut))),
        Gen.Int[1, 9000].List[1, 6])
        .Select((lines, crlf, bom, finalNewline, compression, chunks) => new NdjsonFileCase(lines, crlf, bom, finalNewline, compression, chunks));

    [Fact]
    public Task ReadAsync_OneThreadOrMany_SameResourcesAndMalformedLinesInReadingOrder() =>
        Gen.Select(GenFile, Gen.OneOf(Gen.Const(ErrorPolicy.Skip), Gen.Const(ErrorPolicy.Fail)), Gen.OneOf<string[]?>(null, ["Patient"], ["Observation", "Condition"]))
            .SampleAsync(async (file, policy, types) =>
            {
                var serial = await ReadAsync(file, policy, types, threads: 1);
                var parallel = await ReadAsync(file, policy, types, threads: 4);

                Assert.Equal(serial.Lines, parallel.Lines);
                Assert.Equal(serial.Malformed, parallel.Malformed);
                Assert.Equal(serial.MalformedCount, parallel.MalformedCount);
                Assert.Equal(serial.Failure, parallel.Failure);
            }, iter: 150);

    [Fact]
    public async Task ReadAsync_ManyThreadsOverALargeFile_EveryLineOnceInOrder()
    {
        var lines = Enumerable.Range(1, 5000).Select(i => System.Text.Encoding.UTF8.GetBytes(
            i % 997 == 0 ? "{\"resourceType\":\"Patient\",\"id\":" + i + "}" : $"{{\"resourceType\":\"{(i % 3 == 0 ? "Observation" : "Patient")}\",\"id\":\"p{i}\",\"n\":[{i}]}}")).ToArray();
        var file = new NdjsonFileCase(lines, [false], Bom: false, FinalNewline: true, Compression.None, []);

        var read = await ReadAsync(file, ErrorPolicy.Skip, types: null, threads: 8);

        Assert.Equal(Enumerable.Range(1, 5000).Where(i => i % 997 != 0).Select(i => $"p{i}"), read.Lines.Select(l => l.Id));
        Assert.Equal(Enumerable.Range(1, 5000).Where(i => i % 997 != 0).Select(i => (long)i), read.Lines.Select(l => l.Number));
        Assert.Equal([997L, 1994, 2991, 3988, 4985], read.Malformed.Select(m => m.LineNumber));
    }

    [Fact]
    public Task ReadAsync_LineFilterTurnsSomeDown_OthersHandedOutUnchangedAndTurnedDownCountedInReadingOrder() =>
        Gen.Select(GenFile, Gen.OneOf(Gen.Const(ErrorPolicy.Skip), Gen.Const(ErrorPolicy.Fail)), Gen.OneOf<string[]?>(null, ["Patient"]), Gen.OneOf(Gen.Const(1), Gen.Const(4)))
            .SampleAsync(async (file, policy, types, threads) =>
            {
                var all = await ReadAsync(file, policy, types, threads);
                var filter = new OddLengthsTurnedDown();

                var filtered = await ReadAsync(file, policy, types, threads, filter);

                Assert.Equal(all.Lines.Where(l => !OddLengthsTurnedDown.TurnsDown(l.Json)), filtered.Lines);
                Assert.Equal(all.Malformed, filtered.Malformed);
                Assert.Equal(all.MalformedCount, filtered.MalformedCount);
                Assert.Equal(all.Failure, filtered.Failure);
                var expected = all.Lines.Where(l => OddLengthsTurnedDown.TurnsDown(l.Json)).Select(l => l.Type).ToList();
                if (all.Failure is null)
                {
                    // Asked about every resource of the types read, once, with its bytes as a read without the filter hands them out.
                    Assert.Equal(all.Lines.Select(l => (l.Type, l.Json)).Order(), filter.Asked.Order());
                    Assert.Equal(expected, filter.PassedOverTypes);
                }
                else
                {
                    // A failing read stops within a read buffer whose earlier resources were judged (and some passed
                    // over) but are handed out by neither read.
                    Assert.Equal(expected, filter.PassedOverTypes.Take(expected.Count));
                }
            }, iter: 150);

    private static async Task<Read> ReadAsync(NdjsonFileCase file, ErrorPolicy policy, string[]? types, int threads, IResourceLineFilter? filter = null)
    {
        var options = new NdjsonSourceOptions { BufferSize = 4096, MaxReportedMalformedLines = 1000, MalformedLines = policy, MaxDegreeOfParallelism = threads };
        var source = NdjsonSource.FromStream(new ChunkedStream(file.Stored(), file.Chunks), "f.ndjson", options);
        var lines = new List<(string Type, string? Id, string Json, long Number)>();
        string? failure = null;
        try
        {
            await foreach (var line in source.ReadAsync(types, filter, CancellationToken.None))
            {
                lines.Add((line.ResourceType, line.Id, System.Text.Encoding.UTF8.GetString(line.Json.Span), line.LineNumber));
            }
        }
        catch (Exception exception) when (exception is MalformedNdjsonException or TruncatedGzipException)
        {
            failure = $"{exception.GetType().Name}: {exception.Message}";
        }

        return new Read(lines, [.. source.MalformedLines.Examples], source.MalformedLines.Count, failure);
    }

    /// <summary>Turns down the resources whose line has an odd length, and records what it was asked and what it passed over.</summary>
    private sealed class OddLengthsTurnedDown : IResourceLineFilter
    {
        public List<(string Type, string Json)> Asked { get; } = [];

        public List<string> PassedOverTypes { get; } = [];

        public static bool TurnsDown(string json) => System.Text.Encoding.UTF8.GetByteCount(json) % 2 == 1;

        public bool Wants(string resourceType, ReadOnlySpan<byte> json, bool mayHoldEscapes, ReadOnlySpan<int> topLevelMembers)
        {
            var text = System.Text.Encoding.UTF8.GetString(json);
            lock (Asked)
            {
                Asked.Add((resourceType, text));
            }

            return !TurnsDown(text);
        }

        public void PassedOver(string resourceType) => PassedOverTypes.Add(resourceType);
    }

    private sealed record Read(List<(string Type, string? Id, string Json, long Number)> Lines, List<MalformedLine> Malformed, long MalformedCount, string? Failure);
}
