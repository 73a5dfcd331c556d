using System.Net;
using FhirBulk.Export;
using FhirBulk.Tests.Support;

namespace FhirBulk.Tests.Export;

/// <summary>A manifest is server input: its types and URLs must not decide where files land.</summary>
public sealed class HostileManifestTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "fhirbulk-hostile-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task DownloadAsync_HostileTypesAndUrls_WritesOnlyInsideTheOutputFolder()
    {
        var output = Path.Combine(_root, "a", "b", "out");
        var manifest = ExportManifest.Parse("""
            {"transactionTime":"2026-01-01T00:00:00Z","requiresAccessToken":false,
             "output":[
               {"type":"../../../escaped","url":"https://x.org/f/1"},
               {"type":"..","url":"https://x.org/f/2"},
               {"type":"/tmp/abs","url":"https://x.org/f/3"},
               {"type":"Patient","url":"../../../../escaped.ndjson"},
               {"type":"Patient","url":"file:///etc/passwd"}],
             "error":[{"type":"../OperationOutcome","url":"https://x.org/e/1"}]}
            """u8);
        var handler = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.OK, "{\"resourceType\":\"Patient\",\"id\":\"1\"}\n"));
        using var client = new BulkDataClient(new Uri("https://x.org/fhir"), new BulkDataClientOptions { HttpClient = new HttpClient(handler) });

        var result = await client.DownloadAsync(manifest, output);

        var everyFile = Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(output, f)).Order(StringComparer.Ordinal);
        Assert.Equal(["Patient.001.ndjson", "Unknown.001.ndjson", "Unknown.002.ndjson", "Unknown.003.ndjson", "error/Unknown.001.ndjson"], everyFile);
        var fileUrl = Assert.Single(result.Files, f => f.Url.StartsWith("file:", StringComparison.Ordinal));
        Assert.Equal(ExportFileStatus.Failed, fileUrl.Status);
        Assert.DoesNotContain(handler.Requests, r => r.RequestUri!.Scheme == "file");
    }

    [Fact]
    public async Task DownloadAsync_RelativeUrlGoneAndUnparsableUrl_EachFileFailsOnItsOwnAndTheRestDownload()
    {
        // A failed file's warning names its URL: one the manifest gave relative, or could not be parsed at all, must be
        // named as it came instead of stopping the download.
        var manifest = ExportManifest.Parse("""
            {"transactionTime":"2026-01-01T00:00:00Z","requiresAccessToken":false,
             "output":[
               {"type":"Patient","url":"files/gone.ndjson"},
               {"type":"Condition","url":"http://[bad"},
               {"type":"Observation","url":"https://x.org/f/ok"}],
             "error":[]}
            """u8);
        var handler = new StubHandler((request, _) => request.RequestUri!.AbsolutePath.EndsWith("/ok", StringComparison.Ordinal)
            ? StubHandler.Json(HttpStatusCode.OK, "{\"resourceType\":\"Observation\",\"id\":\"1\"}\n")
            : StubHandler.Json(HttpStatusCode.Gone, "{}"));
        using var client = new BulkDataClient(new Uri("https://x.org/fhir/"), new BulkDataClientOptions { HttpClient = new HttpClient(handler), MaxRetries = 0 });

        var result = await client.DownloadAsync(manifest, Path.Combine(_root, "out"));

        Assert.Equal(ExportFileStatus.Expired, Assert.Single(result.Files, f => f.Type == "Patient").Status);
        Assert.Equal(ExportFileStatus.Failed, Assert.Single(result.Files, f => f.Type == "Condition").Status);
        Assert.Equal(ExportFileStatus.Complete, Assert.Single(result.Files, f => f.Type == "Observation").Status);
    }
}
