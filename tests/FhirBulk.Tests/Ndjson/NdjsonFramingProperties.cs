using System.IO.Compression;
using System.Text;
using CsCheck;
using FhirBulk.Ndjson;
using FhirBulk.Tests.Tables.TestSupport;
using FhirBulk.Tests.Support;

namespace FhirBulk.Tests.Ndjson;

/// <summary>
/// However the bytes arrive (any chunking), whatever the line ends (LF, CRLF), with or without a
/// final newline, BOM or gzip, a source yields exactly the resources that were written.
/// </summary>
public class NdjsonFramingProperties
{
    private static readonly string[] Types = ["Patient", "Observation", "Condition"];

    private static readonly Gen<string> GenResource =
        Gen.Select(Gen.OneOf(Types), Gen.String[Gen.Char.AlphaNumeric, 1, 12], Gen.Int[0, 9000], Gen.String[Gen.Char["aé\"\\ \t{}[]\u2603x"], 0, 20])
            .Select((type, id, padding, text) =>
                $$"""{"resourceType":"{{type}}","id":"{{id}}","text":{{System.Text.Json.JsonSerializer.Serialize(text, TestJson.Default.String)}},"pad":"{{new string('z', padding)}}"}""");

    private static readonly Gen<Framing> GenFraming =
        Gen.Select(GenResource.List[0, 25], Gen.Bool, Gen.Bool, Gen.Bool, Gen.Bool, Gen.Int[1, 9000].List[1, 8])
            .Select((resources, crlf, trailingNewline, bom, gzip, chunks) => new Framing(resources, crlf, trailingNewline, bom, gzip, chunks));

    [Fact]
    public Task ReadAsync_AnyChunkingAndLineEnds_SameResources() =>
        GenFraming.SampleAsync(async framing =>
        {
            var source = NdjsonSource.FromStream(new ChunkedStream(framing.Bytes(), framing.Chunks), "gen", new NdjsonSourceOptions { BufferSize = 4096 });

            var lines = await source.ReadAllAsync();

            Assert.Equal(framing.Resources, lines.Select(l => Encoding.UTF8.GetString(l.Json.Span)));
            Assert.Equal(0, source.MalformedLines.Count);
            Assert.Equal(Enumerable.Range(1, framing.Resources.Count).Select(i => (long)i), lines.Select(l => l.LineNumber));
        }, iter: 200);

    public sealed record Framing(List<string> Resources, bool Crlf, bool TrailingNewline, bool Bom, bool Gzip, List<int> Chunks)
    {
        public byte[] Bytes()
        {
            string newline = Crlf ? "\r\n" : "\n";
            string text = string.Join(newline, Resources) + (TrailingNewline && Resources.Count > 0 ? newline : "");
            byte[] plain = [.. (Bom ? (byte[])[0xEF, 0xBB, 0xBF] : []), .. Encoding.UTF8.GetBytes(text)];
            if (!Gzip)
            {
                return plain;
            }

            using var buffer = new MemoryStream();
            using (var gz = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
            {
                gz.Write(plain);
            }

            return buffer.ToArray();
        }

        public override string ToString() =>
            $"{Resources.Count} resources, crlf={Crlf}, trailing={TrailingNewline}, bom={Bom}, gzip={Gzip}, chunks=[{string.Join(",", Chunks)}]";
    }
}
