using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using FhirBulk.Server.Tests.Support;

namespace FhirBulk.Server.Tests.Export;

public class FileDownloadTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private async Task<(string Url, string Token, byte[] Plain)> ConditionFileAsync()
    {
        var token = await fixture.TokenAsync();
        var manifest = await fixture.ExportAsync("/$export?_type=Condition", token);
        var url = manifest.GetProperty("output")[0].GetProperty("url").GetString()!;
        using var response = await fixture.Http.SendAsync(fixture.Get(url, token));
        Assert.Equal("application/fhir+ndjson", response.Content.Headers.ContentType?.MediaType);
        return (url, token, await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Download_WithoutToken_Unauthorized()
    {
        var (url, _, _) = await ConditionFileAsync();
        using var response = await fixture.Http.SendAsync(fixture.Get(url, null));
        await HttpAssert.AssertOutcomeAsync(response, 401);
    }

    [Theory]
    [InlineData("bytes=0-99", 0, 100)]
    [InlineData("bytes=100-", 100, -1)]
    [InlineData("bytes=-50", -50, 50)]
    public async Task Download_Range_ReturnsPartialContent(string range, int start, int length)
    {
        var (url, token, plain) = await ConditionFileAsync();
        var request = fixture.Get(url, token);
        request.Headers.TryAddWithoutValidation("Range", range);
        using var response = await fixture.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        var offset = start < 0 ? plain.Length + start : start;
        var count = length < 0 ? plain.Length - offset : length;
        Assert.Equal(plain.AsSpan(offset, count).ToArray(), await response.Content.ReadAsByteArrayAsync());
        Assert.Equal($"bytes {offset}-{offset + count - 1}/{plain.Length}", response.Content.Headers.ContentRange?.ToString());
    }

    [Fact]
    public async Task Download_IfRangeMatchingETag_Resumes_StaleETag_FullFile()
    {
        var (url, token, plain) = await ConditionFileAsync();
        using var first = await fixture.Http.SendAsync(fixture.Get(url, token));
        var etag = first.Headers.ETag!;
        Assert.False(etag.IsWeak);

        var resume = fixture.Get(url, token);
        resume.Headers.TryAddWithoutValidation("Range", "bytes=10-");
        resume.Headers.TryAddWithoutValidation("If-Range", etag.Tag);
        using var resumed = await fixture.Http.SendAsync(resume);
        Assert.Equal(HttpStatusCode.PartialContent, resumed.StatusCode);
        Assert.Equal(plain.AsSpan(10).ToArray(), await resumed.Content.ReadAsByteArrayAsync());

        var stale = fixture.Get(url, token);
        stale.Headers.TryAddWithoutValidation("Range", "bytes=10-");
        stale.Headers.TryAddWithoutValidation("If-Range", "\"something-else\"");
        using var full = await fixture.Http.SendAsync(stale);
        Assert.Equal(HttpStatusCode.OK, full.StatusCode);
        Assert.Equal(plain, await full.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Download_RangeBeyondEnd_RangeNotSatisfiable()
    {
        var (url, token, plain) = await ConditionFileAsync();
        var request = fixture.Get(url, token);
        request.Headers.TryAddWithoutValidation("Range", $"bytes={plain.Length + 10}-");
        using var response = await fixture.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, response.StatusCode);
        Assert.Equal($"bytes */{plain.Length}", response.Content.Headers.ContentRange?.ToString());
    }

    [Fact]
    public async Task Download_AcceptGzip_CompressedAndIdenticalWhenInflated()
    {
        var (url, token, plain) = await ConditionFileAsync();
        var request = fixture.Get(url, token);
        request.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip"));
        using var response = await fixture.Http.SendAsync(request);
        Assert.Equal("gzip", response.Content.Headers.ContentEncoding.Single());
        var compressed = await response.Content.ReadAsByteArrayAsync();
        Assert.True(compressed.Length < plain.Length / 3);
        await using var inflate = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
        using var result = new MemoryStream();
        await inflate.CopyToAsync(result);
        Assert.Equal(plain, result.ToArray());
    }

    [Fact]
    public async Task Download_GzipRefused_Identity()
    {
        var (url, token, plain) = await ConditionFileAsync();
        var request = fixture.Get(url, token);
        request.Headers.TryAddWithoutValidation("Accept-Encoding", "gzip;q=0");
        using var response = await fixture.Http.SendAsync(request);
        Assert.Empty(response.Content.Headers.ContentEncoding);
        Assert.Equal(plain, await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("gzip;q=0.0")]
    [InlineData("gzip; q=0.000, identity")]
    public async Task Download_GzipRefusedWithDecimalZeroQuality_Identity(string acceptEncoding)
    {
        // Regression: only the literal ";q=0" was read as a refusal, so "q=0.0" still got gzip.
        var (url, token, plain) = await ConditionFileAsync();
        var request = fixture.Get(url, token);
        request.Headers.TryAddWithoutValidation("Accept-Encoding", acceptEncoding);
        using var response = await fixture.Http.SendAsync(request);
        Assert.Empty(response.Content.Headers.ContentEncoding);
        Assert.Equal(plain, await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Head_File_LengthWithoutBody()
    {
        var (url, token, plain) = await ConditionFileAsync();
        var request = fixture.Get(url, token);
        request.Method = HttpMethod.Head;
        using var response = await fixture.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(plain.Length, response.Content.Headers.ContentLength);
        Assert.Equal("bytes", response.Headers.AcceptRanges.Single());
    }

    [Fact]
    public async Task Download_PathNotInManifest_NotFound()
    {
        var (url, token, _) = await ConditionFileAsync();
        using var response = await fixture.Http.SendAsync(fixture.Get(url[..url.LastIndexOf('/')] + "/..%2F..%2Fdata%2FPatient.000.ndjson", token));
        await HttpAssert.AssertOutcomeAsync(response, 404);
    }
}
