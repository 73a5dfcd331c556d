using System.Net;
using System.Text;
using FhirBulk.Export;
using FhirBulk.ExportFolder;
using FhirBulk.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace FhirBulk.Tests.Export;

/// <summary>
/// An export into a store allocates nothing on the large object heap per file or per state save (issue 13): such garbage is
/// freed only by full collections, so the CLI's memory grew with the number of files (217 MB for a 2 GB export of 286 files
/// into s3rver, 147 MB for 32 files). Exports into a local store (a folder through <see cref="ObjectStore"/>), against a stub
/// server, so that only FhirBulk's own allocations are counted.
/// </summary>
[Collection(nameof(LargeObjectAllocations))]
public sealed class ExportMemoryTests : IDisposable
{
    private const string Base = "https://x.org/fhir";
    private static readonly byte[] Content = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(1, 20).Select(i => $"{{\"resourceType\":\"Patient\",\"id\":\"{i}\"}}\n")));
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "fhirbulk-memory-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task ExportToStoreAsync_FourTimesTheFiles_AllocatesNoMoreOnTheLargeObjectHeap()
    {
        // The first export pays for what is allocated once (pools, caches); the two measured ones differ only in their files.
        await ExportAsync("warm-up", files: 4);

        var fewer = await LargeObjectAllocations.MeasureAsync(() => ExportAsync("fewer", files: 10));
        var more = await LargeObjectAllocations.MeasureAsync(() => ExportAsync("more", files: 40));

        // A 128 KiB copy buffer per file would be 3.9 MB for the 30 more files; the events count to within 100 KB each.
        Assert.True(more - fewer < 512 * 1024, $"40 files allocated {more:N0} bytes on the large object heap, 10 files {fewer:N0}");
    }

    [Fact]
    public async Task SaveState_StateAndLogOverTheLargeObjectSize_AllocatesNoCopyPerSave()
    {
        using var store = ObjectStore.Create(_directory);
        var target = new StoreExportTarget(store, NullLogger.Instance, TimeProvider.System);
        using var log = await target.OpenLogAsync(TimeProvider.System, CancellationToken.None);
        var state = new ExportState { Server = Base };
        for (var i = 0; i < 600; i++)
        {
            state.Files.Add(new ExportFileState { Type = "Patient", FileName = $"Patient.{i:D3}.ndjson", Url = $"https://x.org/f/{i}", Status = ExportFileStatus.Complete, Sha256 = new string('a', 64) });
            log.Write("download_complete", new() { ["fileUrl"] = $"https://x.org/f/{i}", ["resourceCount"] = 20L, ["fileSize"] = 1000L });
        }

        target.SaveState(state);
        Assert.True(new FileInfo(Path.Combine(_directory, ExportFolderLayout.StateFileName)).Length > 85_000);
        Assert.True(new FileInfo(Path.Combine(_directory, ExportFolderLayout.LogFileName)).Length > 85_000);

        var allocated = await LargeObjectAllocations.MeasureAsync(() =>
        {
            for (var save = 0; save < 10; save++)
            {
                target.SaveState(state);
            }

            return Task.CompletedTask;
        });

        // A copy of the state and of the log per save would be over 2 MB for 10 saves.
        Assert.True(allocated < 256 * 1024, $"10 saves allocated {allocated:N0} bytes on the large object heap");
    }

    private async Task ExportAsync(string name, int files)
    {
        var manifest = $$"""{"transactionTime":"2026-01-01T00:00:00Z","request":"{{Base}}/$export","requiresAccessToken":false,"output":[{{string.Join(",", Enumerable.Range(1, files).Select(i => $$"""{"type":"Patient","url":"https://x.org/f/{{i}}","count":20}"""))}}],"error":[]}""";
        using var store = ObjectStore.Create(Path.Combine(_directory, name));
        using var client = new BulkDataClient(new Uri(Base), new BulkDataClientOptions { HttpClient = new HttpClient(new Server(manifest)), MaxRetries = 0 });

        var result = await client.ExportToStoreAsync(new ExportRequest(), store);

        Assert.Equal(files, result.Files.Count(f => f.Status == ExportFileStatus.Complete));
    }

    /// <summary>A Bulk Data server answering at once: the kick-off, a complete status, each file.</summary>
    private sealed class Server(string manifest) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var path = request.RequestUri!.AbsolutePath;
            HttpResponseMessage response;
            if (path.EndsWith("/$export", StringComparison.Ordinal))
            {
                response = new HttpResponseMessage(HttpStatusCode.Accepted) { Content = new ByteArrayContent([]) };
                response.Content.Headers.ContentLocation = new Uri("https://x.org/status/1");
            }
            else if (path == "/status/1")
            {
                response = request.Method == HttpMethod.Delete
                    ? new HttpResponseMessage(HttpStatusCode.Accepted) { Content = new ByteArrayContent([]) }
                    : new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(manifest, Encoding.UTF8, "application/json") };
            }
            else if (path.StartsWith("/f/", StringComparison.Ordinal))
            {
                response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(Content) };
                response.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/fhir+ndjson");
            }
            else
            {
                response = new HttpResponseMessage(HttpStatusCode.NotFound) { Content = new ByteArrayContent([]) };
            }

            response.RequestMessage = request;
            return Task.FromResult(response);
        }
    }
}
