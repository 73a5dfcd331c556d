using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using FhirBulk.Export;
using FhirBulk.Http;
using FhirBulk.Tests.Support;

namespace FhirBulk.Tests.Export;

/// <summary>Download edge cases a real server rarely shows on demand: ignored ranges, 416 on a complete part, gzip, miscounts.</summary>
public sealed class FileDownloadTests : IDisposable
{
    private static readonly byte[] Content = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(1, 50).Select(i => $"{{\"resourceType\":\"Patient\",\"id\":\"{i}\"}}\n")));
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "fhirbulk-dl-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task DownloadAsync_PartCompleteWhenProcessDied_FinishesFrom416WithoutRefetching()
    {
        Directory.CreateDirectory(_directory);
        await File.WriteAllBytesAsync(Path.Combine(_directory, "Patient.001.ndjson.part"), Content);
        var handler = new StubHandler((request, _) =>
        {
            var response = new HttpResponseMessage(HttpStatusCode.RequestedRangeNotSatisfiable) { Content = new ByteArrayContent([]) };
            response.Content.Headers.ContentRange = new ContentRangeHeaderValue(Content.Length);
            return response;
        });

        var file = Assert.Single((await Download(handler, count: 50)).Files);

        Assert.Equal((ExportFileStatus.Complete, 50L, Hash(Content)), (file.Status, file.Resources, file.Sha256));
        Assert.Equal($"bytes={Content.Length}-", Assert.Single(handler.Requests).Headers.Range!.ToString());
    }

    [Fact]
    public async Task DownloadAsync_PartialFile_ContinuesWithRangeAndHashesWholeFile()
    {
        Directory.CreateDirectory(_directory);
        await File.WriteAllBytesAsync(Path.Combine(_directory, "Patient.001.ndjson.part"), Content[..100]);
        var wholeLines = WholeLines(100);
        var handler = new StubHandler((request, _) =>
        {
            // The torn last line of the part is not trusted: the range starts where its last whole line ends.
            Assert.Equal($"bytes={wholeLines}-", request.Headers.Range!.ToString());
            var response = new HttpResponseMessage(HttpStatusCode.PartialContent) { Content = new ByteArrayContent(Content[wholeLines..]) };
            response.Content.Headers.ContentRange = new ContentRangeHeaderValue(wholeLines, Content.Length - 1, Content.Length);
            return response;
        });

        var file = Assert.Single((await Download(handler, count: 50)).Files);

        Assert.Equal(Hash(Content), file.Sha256);
        Assert.Equal(Content, await File.ReadAllBytesAsync(Path.Combine(_directory, "Patient.001.ndjson")));
        Assert.Equal("identity", string.Join(",", handler.Requests[0].Headers.AcceptEncoding));
    }

    [Fact]
    public async Task DownloadAsync_ConnectionCutMidFile_ContinuesWithRangeAndIfRangeOfTheETag()
    {
        var handler = new StubHandler((request, n) =>
        {
            if (n == 1)
            {
                var first = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new CutStream(Content, 100)) };
                first.Headers.ETag = new EntityTagHeaderValue("\"v1\"");
                return first;
            }

            // A retry in the same run continues the part it wrote itself, torn line and all.
            Assert.Equal("bytes=100-", request.Headers.Range!.ToString());
            Assert.Equal("\"v1\"", request.Headers.IfRange!.ToString());
            var rest = new HttpResponseMessage(HttpStatusCode.PartialContent) { Content = new ByteArrayContent(Content[100..]) };
            rest.Content.Headers.ContentRange = new ContentRangeHeaderValue(100, Content.Length - 1, Content.Length);
            return rest;
        });

        var file = Assert.Single((await Download(handler, count: 50, retries: 1)).Files);

        Assert.Equal((ExportFileStatus.Complete, Hash(Content)), (file.Status, file.Sha256));
        Assert.Equal(2, handler.Requests.Count);
    }

    [Fact]
    public async Task DownloadAsync_ServerIgnoresRange_StartsTheFileAgain()
    {
        Directory.CreateDirectory(_directory);
        await File.WriteAllBytesAsync(Path.Combine(_directory, "Patient.001.ndjson.part"), Encoding.UTF8.GetBytes("garbage that is not a prefix"));
        var handler = new StubHandler((_, _) => new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(Content) });

        await Download(handler, count: 50);

        Assert.Equal(Content, await File.ReadAllBytesAsync(Path.Combine(_directory, "Patient.001.ndjson")));
    }

    [Fact]
    public async Task DownloadAsync_GzipResponse_WritesDecompressedNdjson()
    {
        var handler = new StubHandler((_, _) =>
        {
            var compressed = new MemoryStream();
            using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
            {
                gzip.Write(Content);
            }

            var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(compressed.ToArray()) };
            response.Content.Headers.ContentEncoding.Add("gzip");
            return response;
        });

        await Download(handler, count: 50);

        Assert.Equal(Content, await File.ReadAllBytesAsync(Path.Combine(_directory, "Patient.001.ndjson")));
        Assert.Equal("gzip", string.Join(",", handler.Requests[0].Headers.AcceptEncoding));
    }

    [Fact]
    public async Task DownloadAsync_GzipBodyCutAtFlushPoint_FetchesTheFileAgain()
    {
        // A gzip body that stops at a flush point reads as a clean end of stream; only its missing trailer shows the cut.
        var (cut, firstPart) = CutAtFlush(Content);
        var handler = new StubHandler((request, n) =>
        {
            if (n == 1)
            {
                var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(cut) };
                response.Content.Headers.ContentEncoding.Add("gzip");
                return response;
            }

            // The retry continues after the lines already on disk, in plain bytes.
            var rest = new HttpResponseMessage(HttpStatusCode.PartialContent) { Content = new ByteArrayContent(Content[firstPart.Length..]) };
            rest.Content.Headers.ContentRange = new ContentRangeHeaderValue(firstPart.Length, Content.Length - 1, Content.Length);
            return rest;
        });

        var file = Assert.Single((await Download(handler, count: 50, retries: 1)).Files);

        Assert.Equal((ExportFileStatus.Complete, 50L, 0L), (file.Status, file.Resources, file.InvalidLines));
        Assert.Equal(Content, await File.ReadAllBytesAsync(Path.Combine(_directory, "Patient.001.ndjson")));
        Assert.Equal($"bytes={firstPart.Length}-", handler.Requests[1].Headers.Range!.ToString());
    }

    [Fact]
    public async Task DownloadAsync_GzipBodyCutEveryTime_FailsTheFileNamingTheCut()
    {
        var (cut, _) = CutAtFlush(Content);
        var handler = new StubHandler((_, _) =>
        {
            var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(cut) };
            response.Content.Headers.ContentEncoding.Add("gzip");
            return response;
        });

        var file = Assert.Single((await Download(handler, count: 50)).Files);

        Assert.Equal(ExportFileStatus.Failed, file.Status);
        Assert.Equal($"Patient.001.ndjson: truncated gzip: the data ends after {cut.Length} compressed bytes without the CRC-32 and size trailer of its last member", file.Error);
    }

    [Fact]
    public async Task DownloadAsync_StoredGzipFileCut_ReportsTheCutAsAnInvalidLine()
    {
        Directory.CreateDirectory(_directory);
        var (cut, _) = CutAtFlush(Content);
        await File.WriteAllBytesAsync(Path.Combine(_directory, "Patient.001.ndjson.gz"), cut);
        var handler = new StubHandler((_, _) => throw new InvalidOperationException("a file on disk is not fetched again"));

        var file = Assert.Single((await Download(handler, count: 50, compress: true)).Files);

        Assert.Equal((ExportFileStatus.Complete, 25L, 1L), (file.Status, file.Resources, file.InvalidLines));
        Assert.Equal(26, Assert.Single(file.InvalidLineSamples!).Line);
        Assert.StartsWith("truncated gzip: the data ends after ", file.InvalidLineSamples![0].Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DownloadAsync_ManifestMiscounts_ReportsTheDifference()
    {
        var handler = new StubHandler((_, _) => new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(Content) });

        var file = Assert.Single((await Download(handler, count: 48)).Files);

        Assert.True(file.CountMismatch);
        Assert.Equal((48L, 50L), (file.DeclaredCount!.Value, file.Resources));
    }

    [Fact]
    public async Task DownloadAsync_StrictModeBadLine_FailsTheFileNamingTheLine()
    {
        var handler = new StubHandler((_, _) => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{\"resourceType\":\"Patient\"}\n{\"resourceType\":\"Observation\"}\n") });

        var file = Assert.Single((await Download(handler, count: 2, ErrorPolicy.Fail)).Files);

        Assert.Equal(ExportFileStatus.Failed, file.Status);
        Assert.Equal("Patient.001.ndjson:2: resourceType 'Observation', expected 'Patient'", file.Error);
    }

    private static string Hash(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private async Task<DownloadResult> Download(StubHandler handler, long count, ErrorPolicy mode = ErrorPolicy.Skip, int retries = 0, bool compress = false)
    {
        var manifest = ExportManifest.Parse(Encoding.UTF8.GetBytes($$"""{"transactionTime":"t","requiresAccessToken":false,"output":[{"type":"Patient","url":"https://x.org/f/1","count":{{count}}}]}"""));
        using var client = new BulkDataClient(new Uri("https://x.org/fhir"), new BulkDataClientOptions { HttpClient = new HttpClient(handler), MalformedLines = mode, MaxRetries = retries, InitialRetryDelay = TimeSpan.Zero, MaxRetryDelay = TimeSpan.Zero, CompressOutput = compress });
        return await client.DownloadAsync(manifest, _directory);
    }

    /// <summary>The content gzipped and cut at a flush point after its first 25 lines, as a dropped connection leaves it.</summary>
    private static (byte[] Cut, byte[] FirstPart) CutAtFlush(byte[] content)
    {
        var half = content.AsSpan().IndexOf("{\"resourceType\":\"Patient\",\"id\":\"26\"}"u8);
        return Ndjson.CheckedGzipStreamTests.CutAtFlush(content[..half], content[half..]);
    }

    /// <summary>Serves a prefix of the content, then fails like a dropped connection.</summary>
    private sealed class CutStream(byte[] content, int cutAfter) : MemoryStream(content[..cutAfter])
    {
        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = base.Read(buffer, offset, count);
            return read > 0 ? read : throw new IOException("connection reset");
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await base.ReadAsync(buffer, cancellationToken);
            return read > 0 ? read : throw new IOException("connection reset");
        }
    }

    /// <summary>The length of the whole lines in the first <paramref name="bytes"/> bytes of <see cref="Content"/>.</summary>
    private static int WholeLines(int bytes) => Array.LastIndexOf(Content, (byte)'\n', bytes - 1) + 1;

}
