using System.Text;
using CsCheck;
using FhirBulk.ExportFolder;
using FhirBulk.Ndjson;
using FhirBulk.Tests.Tables.TestSupport;

namespace FhirBulk.Tests.Ndjson;

/// <summary>
/// The download check (<see cref="NdjsonVerifier"/> without an expected type), the sources (<see cref="NdjsonSource"/>)
/// and <c>inspect</c> (<see cref="ExportFolderInspector"/>) read NDJSON by one contract: on any file they accept and
/// reject the same lines, with the same line numbers and the same words, and count the same.
/// </summary>
public class NdjsonLineContractTests
{
    private static readonly byte[] ByteOrderMark = [0xEF, 0xBB, 0xBF];

    private static readonly Gen<NdjsonFileCase> GenFile = Gen.Select(
        NdjsonGen.Line.Array[0, 20],
        Gen.Bool.Array[20],
        Gen.Bool,
        Gen.Bool,
        Gen.Frequency((2, Gen.Const(Compression.None)), (1, Gen.Const(Compression.Gzip)), (1, Gen.Const(Compression.GzipCut))),
        Gen.Int[1, 300].List[1, 6])
        .Select((lines, crlf, bom, finalNewline, compression, chunks) => new NdjsonFileCase(lines, crlf, bom, finalNewline, compression, chunks));

    [Fact]
    public Task Consumers_AnyLines_AgreeOnEveryLineAndTheCounts() =>
        GenFile.Array[1, 3].SampleAsync(async files =>
        {
            using var folder = new TempFolder();
            var expected = new List<MalformedLine>();
            for (var i = 0; i < files.Length; i++)
            {
                var name = folder.File($"f{i}.ndjson{(files[i].Compression == Compression.None ? "" : ".gz")}");
                await File.WriteAllBytesAsync(name, files[i].Stored());

                var (resources, rejected) = Verify(files[i], name);
                var (lines, report) = await ReadSourceAsync(files[i], name);

                Assert.Equal(rejected, report.Examples);
                Assert.Equal(rejected.Count, report.Count);
                Assert.Equal(resources, lines.Count);
                Assert.Equal(files[i].ReportedLineNumbers(), lines.Select(l => l.LineNumber).Concat(rejected.Select(r => r.LineNumber)).Order());
                expected.AddRange(rejected);
            }

            var summary = await ExportFolderInspector.InspectAsync(folder.Path);

            Assert.Equal(files.Select((f, i) => Verify(f, folder.File("x")).Resources), summary.Files.Select(f => f.Resources));
            Assert.Equal(expected.Count, summary.MalformedLines.Count);
            Assert.Equal(expected.Take(summary.MalformedLines.MaxExamples), summary.MalformedLines.Examples);
        }, iter: 150);

    [Fact]
    public async Task Consumers_BomAtStartOfFile_KeepEveryResource()
    {
        var file = new NdjsonFileCase([.. Enumerable.Range(1, 3).Select(i => Encoding.UTF8.GetBytes($"{{\"resourceType\":\"Patient\",\"id\":\"{i}\"}}"))], new bool[3], Bom: true, FinalNewline: true, Compression.None, []);

        var all = await JudgeAsync(file);

        Assert.All(all, verdict => Assert.Equal((3L, 0L), (verdict.Resources, verdict.Rejected)));
    }

    [Fact]
    public async Task Consumers_NumericId_RejectTheLine()
    {
        var file = new NdjsonFileCase(["{\"resourceType\":\"Patient\",\"id\":5}"u8.ToArray(), "{\"resourceType\":\"Patient\",\"id\":\"5\"}"u8.ToArray()], new bool[2], Bom: false, FinalNewline: false, Compression.None, []);

        var all = await JudgeAsync(file);

        Assert.All(all, verdict => Assert.Equal((1L, 1L), (verdict.Resources, verdict.Rejected)));
    }

    [Fact]
    public async Task Consumers_CrlfBlankAndWhitespaceLines_SkipBlanksAndKeepTheRest()
    {
        byte[][] lines = [.. new[] { "{\"resourceType\":\"Patient\"}", "", " \t", "{\"resourceType\":\"Patient\"}", "\r", "{\"resourceType\":\"Patient\"}" }.Select(Encoding.UTF8.GetBytes)];
        var file = new NdjsonFileCase(lines, [true, true, false, true, true, false], Bom: false, FinalNewline: false, Compression.None, []);

        var all = await JudgeAsync(file);

        Assert.All(all, verdict => Assert.Equal((3L, 0L), (verdict.Resources, verdict.Rejected)));
    }

    /// <summary>What the download check, a source and inspect each make of one file: resources and rejected lines.</summary>
    private static async Task<(long Resources, long Rejected)[]> JudgeAsync(NdjsonFileCase file)
    {
        using var folder = new TempFolder();
        var name = folder.File("Patient.000.ndjson");
        await File.WriteAllBytesAsync(name, file.Stored());
        var (resources, rejected) = Verify(file, name);
        var (lines, report) = await ReadSourceAsync(file, name);
        var summary = await ExportFolderInspector.InspectAsync(folder.Path);
        return [(resources, rejected.Count), (lines.Count, report.Count), (summary.Files.Single().Resources, summary.MalformedLines.Count)];
    }

    private static (long Resources, List<MalformedLine> Rejected) Verify(NdjsonFileCase file, string name)
    {
        using var verifier = new NdjsonVerifier(name, null, ErrorPolicy.Skip);
        var plain = file.Plain();
        var position = 0;
        for (var chunk = 0; position < plain.Length; chunk++)
        {
            var size = Math.Min(file.Chunks.Count == 0 ? plain.Length : file.Chunks[chunk % file.Chunks.Count], plain.Length - position);
            verifier.Append(plain.AsSpan(position, size));
            position += size;
        }

        if (file.IsCut)
        {
            // The downloader decompresses, then tells the verifier where the gzip data stopped.
            verifier.Truncated(file.Stored().Length);
        }

        verifier.Complete();
        return (verifier.Resources, [.. verifier.MalformedLines.Examples]);
    }

    private static async Task<(List<ResourceLine> Lines, MalformedLineReport Report)> ReadSourceAsync(NdjsonFileCase file, string name)
    {
        var source = NdjsonSource.FromStream(new ChunkedStream(file.Stored(), file.Chunks), name, new NdjsonSourceOptions { BufferSize = 4096, MaxReportedMalformedLines = 100 });
        var lines = await source.ReadAllAsync();
        return (lines, source.MalformedLines);
    }

    public enum Compression
    {
        None,
        Gzip,

        /// <summary>Gzip cut at a flush point before the last line: the lines after it are lost.</summary>
        GzipCut,
    }

    /// <summary>One file: its lines, each ended by CRLF or LF, a BOM or not, a final line end or not, stored plain, gzip or cut gzip.</summary>
    public sealed record NdjsonFileCase(byte[][] Lines, bool[] Crlf, bool Bom, bool FinalNewline, Compression Compression, List<int> Chunks)
    {
        /// <summary>Whether the gzip is cut: it needs two lines, so that the part before the cut holds data.</summary>
        public bool IsCut => Compression == Compression.GzipCut && Lines.Length >= 2;

        /// <summary>The lines the file holds in full: a cut gzip loses the last one.</summary>
        private int Kept => IsCut ? Lines.Length - 1 : Lines.Length;

        /// <summary>The decompressed bytes of the lines kept, with their line ends.</summary>
        public byte[] Plain() => Text(Kept, FinalNewline || IsCut);

        public byte[] Stored() => Compression switch
        {
            Compression.None => Plain(),
            _ when !IsCut => CheckedGzipStreamTests.Gzip(Plain()),
            _ => CheckedGzipStreamTests.CutAtFlush(Plain(), Text(Lines.Length, FinalNewline)[Plain().Length..]).Cut,
        };

        /// <summary>The numbers of the lines each either a resource or rejected: those not blank, and where a cut gzip stops.</summary>
        public IEnumerable<long> ReportedLineNumbers() => Enumerable.Range(0, Kept)
            .Where(i => !Content(i).Trim(" \t\r"u8).IsEmpty)
            .Select(i => (long)i + 1)
            .Concat(IsCut ? [Kept + 1] : []);

        /// <summary>A line as the contract sees it: the first loses the one BOM that starts the file, whoever wrote it.</summary>
        private ReadOnlySpan<byte> Content(int i) =>
            i == 0 && !Bom && Lines[0].AsSpan().StartsWith(ByteOrderMark) ? Lines[0].AsSpan(ByteOrderMark.Length) : Lines[i];

        private byte[] Text(int count, bool finalNewline)
        {
            var text = new List<byte>(Bom ? ByteOrderMark : []);
            for (var i = 0; i < count; i++)
            {
                text.AddRange(Lines[i]);
                if (i < count - 1 || finalNewline)
                {
                    text.AddRange(Crlf[i % Crlf.Length] ? "\r\n"u8.ToArray() : "\n"u8.ToArray());
                }
            }

            return [.. text];
        }

        public override string ToString() =>
            $"bom={Bom} final={FinalNewline} {Compression} chunks=[{string.Join(",", Chunks)}] lines:\n{string.Join("\n", Lines.Select(Convert.ToHexString))}";
    }
}
