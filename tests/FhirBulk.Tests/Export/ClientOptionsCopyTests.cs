using System.Net;
using FhirBulk.Export;
using FhirBulk.Tests.Support;
using FhirBulk.Tests.Tables.TestSupport;

namespace FhirBulk.Tests.Export;

/// <summary>The client copies its options when it is created: what the caller changes afterwards does not reach it.</summary>
public sealed class ClientOptionsCopyTests
{
    [Fact]
    public async Task DownloadAsync_OptionsChangedAfterTheClientWasCreated_RunsWithTheOptionsItWasCreatedWith()
    {
        using var dir = new TempFolder();
        var manifest = ExportManifest.Parse("""
            {"transactionTime":"2026-01-01T00:00:00Z","requiresAccessToken":false,
             "output":[{"type":"Patient","url":"https://x.org/f/1"}]}
            """u8);
        var handler = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.OK, "{\"resourceType\":\"Patient\",\"id\":\"1\"}\n"));
        var options = new BulkDataClientOptions { HttpClient = new HttpClient(handler) };
        using var client = new BulkDataClient(new Uri("https://x.org/fhir"), options);

        // Out of range: had the client kept the caller's object, the download would throw naming a parameter never passed.
        options.MaxParallelDownloads = 0;
        options.MaxRetries = -1;
        options.CompressOutput = true;
        var result = await client.DownloadAsync(manifest, dir.Path);

        var file = Assert.Single(result.Files);
        Assert.Equal(ExportFileStatus.Complete, file.Status);
        Assert.Equal("Patient.001.ndjson", file.FileName);
    }

    [Fact]
    public void Constructor_BaseUrlWithUserInfo_ThrowsWithoutRepeatingIt()
    {
        var ex = Assert.Throws<ArgumentException>(() => new BulkDataClient(new Uri("https://alice:s3cret@x.org/fhir")));

        Assert.Contains("must not carry credentials", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_OptionsOutOfRange_ThrowsNamingTheOption()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new BulkDataClient(new Uri("https://x.org/fhir"), new BulkDataClientOptions { MaxParallelDownloads = 0 }));

        Assert.Equal(nameof(BulkDataClientOptions.MaxParallelDownloads), ex.ParamName);
    }
}
