using System.Net;
using System.Net.Http.Headers;
using System.Text;
using FhirBulk.Export;
using FhirBulk.Tests.Support;

namespace FhirBulk.Tests.Export;

/// <summary>The per-file retry budget: cuts that move the file forward are recovered from however many there are; cuts that do not are bounded.</summary>
public sealed class DownloadRetriesTests : IDisposable
{
    private static readonly byte[] Content = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(1, 50).Select(i => $"{{\"resourceType\":\"Patient\",\"id\":\"{i}\"}}\n")));
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "fhirbulk-retry-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task DownloadAsync_ManyCutsThatMoveTheFileForward_CompletesOnASmallBudget()
    {
        // Every response carries 100 more bytes, then the connection drops: about 20 cuts against a budget of one retry.
        var handler = new StubHandler((request, _) =>
        {
            var from = (int)(request.Headers.Range?.Ranges.Single().From ?? 0);
            var response = new HttpResponseMessage(from == 0 ? HttpStatusCode.OK : HttpStatusCode.PartialContent)
            {
                Content = new StreamContent(new CutStream(Content[from..Math.Min(Content.Length, from + 100)], cut: from + 100 < Content.Length)),
            };
            if (from > 0)
            {
                response.Content.Headers.ContentRange = new ContentRangeHeaderValue(from, Content.Length - 1, Content.Length);
            }

            return response;
        });

        var file = Assert.Single((await Download(handler, retries: 1)).Files);

        Assert.Equal(ExportFileStatus.Complete, file.Status);
        Assert.Equal(Content, await File.ReadAllBytesAsync(Path.Combine(_directory, "Patient.001.ndjson")));
        Assert.Equal((Content.Length + 99) / 100, handler.Requests.Count);
    }

    [Fact]
    public async Task DownloadAsync_CutsThatMoveNothing_FailTheFileAfterMaxRetries()
    {
        var handler = new StubHandler((_, _) => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new CutStream([], cut: true)) });

        var file = Assert.Single((await Download(handler, retries: 2)).Files);

        Assert.Equal(ExportFileStatus.Failed, file.Status);
        Assert.Equal("connection reset", file.Error);
        Assert.Equal(3, handler.Requests.Count);
    }

    [Fact]
    public async Task DownloadAsync_FileGoneWithTransientOutcome_ExpiresWithoutFileLevelRetries()
    {
        // The request itself is retried (a transient OperationOutcome asks for it); the file is not fetched again after that.
        var handler = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.Gone, StubHandler.Outcome("transient")));

        var file = Assert.Single((await Download(handler, retries: 2)).Files);

        Assert.Equal(ExportFileStatus.Expired, file.Status);
        Assert.Equal(3, handler.Requests.Count);
    }

    [Fact]
    public async Task DownloadAsync_ServerGoneAfterACutWithLongBackoff_EndsWithinTheStallTimeout()
    {
        // The body is cut, then the server refuses every connection: the 3 s backoff begun before the 1 s stall timeout
        // ran out is cut at it, and the request the retry sends does not start a stall timeout of its own.
        var handler = new StubHandler((_, n) => n == 1
            ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new CutStream([], cut: true)) }
            : throw new HttpRequestException("Connection refused"));
        // On a simulated clock, moved on in small steps only while the download waits on one of its timers: a loaded CI
        // machine that starves the test for seconds of real time (seen: 4.6 s) cannot make the waits look longer than
        // they are, nor move time on while the download is working rather than waiting. The stall deadline armed around
        // each read is not such a wait (see WaitingClock): counted as one, it let the clock pass the stall timeout while
        // the first read was still on its way to the cut, and the file failed at that cut, unretried.
        var clock = new WaitingClock(new DateTimeOffset(2026, 11, 28, 17, 0, 0, TimeSpan.Zero));
        var start = clock.GetUtcNow();

        var download = Download(handler, retries: 6, o =>
        {
            o.StallTimeout = TimeSpan.FromSeconds(1);
            o.InitialRetryDelay = o.MaxRetryDelay = TimeSpan.FromSeconds(3);
            o.TimeProvider = clock;
        });
        var file = Assert.Single((await clock.RunUntilDoneAsync(download, TimeSpan.FromMilliseconds(100))).Files);
        Assert.Equal(ExportFileStatus.Failed, file.Status);
        Assert.True(clock.GetUtcNow() - start < TimeSpan.FromSeconds(2.5), $"took {clock.GetUtcNow() - start} on the simulated clock, {handler.Requests.Count} requests; {file.Error}");
        Assert.Contains("has not answered for 1 s (the stall timeout is 1 s)", file.Error, StringComparison.Ordinal);
    }

    private async Task<DownloadResult> Download(StubHandler handler, int retries, Action<BulkDataClientOptions>? configure = null)
    {
        var manifest = ExportManifest.Parse(Encoding.UTF8.GetBytes("""{"transactionTime":"t","requiresAccessToken":false,"output":[{"type":"Patient","url":"https://x.org/f/1"}]}"""));
        var options = new BulkDataClientOptions { HttpClient = new HttpClient(handler), MaxRetries = retries, InitialRetryDelay = TimeSpan.Zero, MaxRetryDelay = TimeSpan.Zero };
        configure?.Invoke(options);
        using var client = new BulkDataClient(new Uri("https://x.org/fhir"), options);
        return await client.DownloadAsync(manifest, _directory);
    }

    /// <summary>Serves its bytes, then fails like a dropped connection when <paramref name="cut"/> is set.</summary>
    private sealed class CutStream(byte[] content, bool cut) : MemoryStream(content)
    {
        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = base.Read(buffer, offset, count);
            return read > 0 || !cut ? read : throw new IOException("connection reset");
        }
    }
}
