using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using FhirBulk.Server.Tests.Support;

namespace FhirBulk.Server.Tests.Faults;

public class FaultInjectionTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private Uri Base(FaultOptions faults) => fixture.Server.BaseUriWithFaults(faults);

    private async Task<(string Status, string Token)> StartAsync(FaultOptions faults, string query = "/Patient/$export?_type=Patient")
    {
        var token = await fixture.TokenAsync();
        return (await fixture.StartExportAsync(Base(faults) + query, token), token);
    }

    [Fact]
    public async Task KickoffError_Rate1_503TransientWithRetryAfter()
    {
        using var response = await fixture.Http.SendAsync(fixture.Kickoff(Base(new FaultOptions { KickoffErrorRate = 1 }) + "/$export", await fixture.TokenAsync()));
        var issue = await HttpAssert.AssertOutcomeAsync(response, 503);
        Assert.Equal("transient", issue.GetProperty("code").GetString());
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
    }

    [Fact]
    public async Task ExportSeconds_BeyondTimeSpanRange_HeldAt202NotA500()
    {
        // Regression: TransactionTime + TimeSpan.FromSeconds(1e12) overflowed on every poll, and on every
        // later kick-off of the same client, which counts its jobs in progress.
        var (status, token) = await StartAsync(new FaultOptions { ExportDurationSeconds = 1e12 });
        using var poll = await fixture.Http.SendAsync(fixture.Get(status, token));
        Assert.Equal(HttpStatusCode.Accepted, poll.StatusCode);
        using var next = await fixture.Http.SendAsync(fixture.Kickoff(fixture.Server.BaseUri + "/Patient/$export?_type=Patient", token));
        Assert.Equal(HttpStatusCode.Accepted, next.StatusCode);
        using var cancel = await fixture.Http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, status) { Headers = { Authorization = new("Bearer", token) } });
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
    }

    [Fact]
    public async Task StatusError_Rate1_503()
    {
        var (status, token) = await StartAsync(new FaultOptions { StatusErrorRate = 1 });
        using var response = await fixture.Http.SendAsync(fixture.Get(status, token));
        await HttpAssert.AssertOutcomeAsync(response, 503);
    }

    [Theory]
    [InlineData(RetryAfterStyle.Seconds)]
    [InlineData(RetryAfterStyle.HttpDate)]
    [InlineData(RetryAfterStyle.Absurd)]
    public async Task Status429_EachRetryAfterStyle_Written(RetryAfterStyle style)
    {
        var (status, token) = await StartAsync(new FaultOptions { StatusTooManyRequestsRate = 1, RetryAfterStyle = style, RetryAfterSeconds = 7 });
        using var response = await fixture.Http.SendAsync(fixture.Get(status, token));
        await HttpAssert.AssertOutcomeAsync(response, 429);
        var header = response.Headers.GetValues("Retry-After").Single();
        switch (style)
        {
            case RetryAfterStyle.Seconds:
                Assert.Equal("7", header);
                break;
            case RetryAfterStyle.HttpDate:
                var date = DateTimeOffset.ParseExact(header, "r", CultureInfo.InvariantCulture);
                Assert.InRange(date - DateTimeOffset.UtcNow, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(9));
                break;
            default:
                Assert.True(long.Parse(header, CultureInfo.InvariantCulture) > 86_400);
                break;
        }
    }

    [Fact]
    public async Task StatusTransientOutcome_Rate1_500WithTransientIssue()
    {
        var (status, token) = await StartAsync(new FaultOptions { StatusTransientOutcomeRate = 1 });
        using var response = await fixture.Http.SendAsync(fixture.Get(status, token));
        var issue = await HttpAssert.AssertOutcomeAsync(response, 500);
        Assert.Equal("transient", issue.GetProperty("code").GetString());
    }

    [Fact]
    public async Task StatusFaultsAtHalfRate_SameSeed_SameSequence()
    {
        // Two fresh servers meeting the same requests must inject the same faults.
        async Task<string> SequenceAsync()
        {
            await using var server = await BulkDataServer.StartAsync(new BulkDataServerOptions
            {
                Patients = 1,
                RequireAuth = false,
                Faults = new FaultOptions { Seed = 42, StatusErrorRate = 0.5 },
            });
            var status = await fixture.StartExportAsync(server.BaseUri + "/Patient/$export", null);
            var codes = new StringBuilder();
            for (var i = 0; i < 16; i++)
            {
                using var response = await fixture.Http.SendAsync(fixture.Get(status, null));
                codes.Append((int)response.StatusCode == 503 ? 'x' : '.');
            }

            return codes.ToString();
        }

        var first = await SequenceAsync();
        Assert.Equal(first, await SequenceAsync());
        Assert.Contains('x', first);
        Assert.Contains('.', first);
    }

    private async Task<(JsonElement Manifest, string Token)> CompleteAsync(FaultOptions faults, string query = "/Patient/$export?_type=Patient,Condition")
    {
        var (status, token) = await StartAsync(faults, query);
        return (await fixture.WaitForManifestAsync(status, token), token);
    }

    private async Task<string[]> LinesAsync(string url, string token)
    {
        using var response = await fixture.Http.SendAsync(fixture.Get(url, token));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    [Fact]
    public async Task FileError_Rate1_503()
    {
        var (manifest, token) = await CompleteAsync(new FaultOptions { FileErrorRate = 1 });
        using var response = await fixture.Http.SendAsync(fixture.Get(manifest.GetProperty("output")[0].GetProperty("url").GetString()!, token));
        await HttpAssert.AssertOutcomeAsync(response, 503);
        Assert.NotNull(response.Headers.RetryAfter);
    }

    [Fact]
    public async Task Miscount_Rate1_ManifestCountDiffersFromLines()
    {
        var (manifest, token) = await CompleteAsync(new FaultOptions { MiscountRate = 1 });
        var patients = 0;
        foreach (var output in manifest.GetProperty("output").EnumerateArray())
        {
            var lines = await LinesAsync(output.GetProperty("url").GetString()!, token);
            Assert.Equal(lines.Length + 1, output.GetProperty("count").GetInt64());
            patients += output.GetProperty("type").GetString() == "Patient" ? lines.Length : 0;
        }

        // The files themselves are whole: only the manifest lies.
        Assert.Equal((await fixture.ReferenceDataAsync())["Patient"].Count, patients);
    }

    [Fact]
    public async Task Miscount_HalfRate_SameFilesMiscountedOnEveryPoll()
    {
        var (status, token) = await StartAsync(new FaultOptions { Seed = 5, MiscountRate = 0.5, ResourcesPerFile = 4 });
        var first = await fixture.WaitForManifestAsync(status, token);
        var again = await fixture.WaitForManifestAsync(status, token);
        long[] Counts(JsonElement manifest) => [.. manifest.GetProperty("output").EnumerateArray().Select(o => o.GetProperty("count").GetInt64())];

        Assert.Equal(Counts(first), Counts(again));
        // Every file but the last holds exactly a page of 4, so 5 marks a miscounted file.
        var full = Counts(first)[..^1];
        Assert.Contains(5, full);
        Assert.Contains(4, full);
    }

    [Fact]
    public async Task ExpiredFile_Rate1_410()
    {
        var (manifest, token) = await CompleteAsync(new FaultOptions { ExpiredFileRate = 1 });
        using var response = await fixture.Http.SendAsync(fixture.Get(manifest.GetProperty("output")[0].GetProperty("url").GetString()!, token));
        await HttpAssert.AssertOutcomeAsync(response, 410);
    }

    [Fact]
    public async Task CutFile_Rate1_ConnectionDropsAfterBytes()
    {
        var (manifest, token) = await CompleteAsync(new FaultOptions { CutFileRate = 1, CutFileAfterBytes = 200 });
        var url = manifest.GetProperty("output").EnumerateArray().First(o => o.GetProperty("type").GetString() == "Condition").GetProperty("url").GetString()!;
        using var response = await fixture.Http.SendAsync(fixture.Get(url, token), HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[1 << 16];
        long received = 0;
        var error = await Record.ExceptionAsync(async () =>
        {
            int read;
            while ((read = await body.ReadAsync(buffer)) > 0)
            {
                received += read;
            }
        });
        Assert.True(error is IOException or HttpRequestException, $"expected a broken connection, got {error?.GetType().Name ?? "a complete body"}");
        Assert.Equal(200, received);
    }

    [Fact]
    public async Task CutGzip_Rate1_GzipBodyEndsAtFlushPointWithoutTrailer()
    {
        var (manifest, token) = await CompleteAsync(new FaultOptions { CutGzipRate = 1 });
        var output = manifest.GetProperty("output").EnumerateArray().First(o => o.GetProperty("type").GetString() == "Condition");
        var url = output.GetProperty("url").GetString()!;
        var whole = await LinesAsync(url, token);
        Assert.Equal(output.GetProperty("count").GetInt64(), whole.Length);

        var request = fixture.Get(url, token);
        request.Headers.AcceptEncoding.ParseAdd("gzip");
        using var response = await fixture.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("gzip", response.Content.Headers.ContentEncoding.Single());
        var raw = await response.Content.ReadAsByteArrayAsync();

        using var inflated = new MemoryStream();
        await using (var gzip = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress))
        {
            await gzip.CopyToAsync(inflated);
        }

        var text = Encoding.UTF8.GetString(inflated.ToArray());
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.InRange(lines.Length, 1, whole.Length - 1);
        Assert.Equal(whole[..lines.Length], lines);

        // A sync flush ends with an empty stored block (00 00 FF FF); a gzip trailer would end with ISIZE instead.
        Assert.Equal("0000FFFF", Convert.ToHexString(raw[^4..]));
        Assert.NotEqual((uint)inflated.Length, System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan(raw.Length - 4)));
    }

    [Fact]
    public async Task BomFile_Rate1_BodyStartsWithBomAndRangesStayConsistent()
    {
        var (manifest, token) = await CompleteAsync(new FaultOptions { BomFileRate = 1 });
        var output = manifest.GetProperty("output")[0];
        var url = output.GetProperty("url").GetString()!;
        using var full = await fixture.Http.SendAsync(fixture.Get(url, token));
        var bytes = await full.Content.ReadAsByteArrayAsync();
        Assert.Equal([0xEF, 0xBB, 0xBF], bytes[..3]);
        Assert.Equal(bytes.Length, full.Content.Headers.ContentLength);
        var lines = Encoding.UTF8.GetString(bytes.AsSpan(3)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(output.GetProperty("count").GetInt64(), lines.Length);
        Assert.All(lines, line => JsonDocument.Parse(line).Dispose());
        var etag = full.Headers.ETag!;

        using var head = await fixture.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, url) { Headers = { Authorization = new("Bearer", token) } });
        Assert.Equal(bytes.Length, head.Content.Headers.ContentLength);
        Assert.Equal(etag, head.Headers.ETag);

        // Resuming inside the mark, just after it, and mid-file must continue the bytes a full download gave.
        foreach (var start in new[] { 1, 3, bytes.Length / 2 })
        {
            var request = fixture.Get(url, token);
            request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(start, null);
            request.Headers.IfRange = new System.Net.Http.Headers.RangeConditionHeaderValue(etag);
            using var ranged = await fixture.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.PartialContent, ranged.StatusCode);
            Assert.Equal($"bytes {start}-{bytes.Length - 1}/{bytes.Length}", ranged.Content.Headers.ContentRange!.ToString());
            Assert.Equal(bytes[start..], await ranged.Content.ReadAsByteArrayAsync());
        }

        var gzipped = fixture.Get(url, token);
        gzipped.Headers.AcceptEncoding.ParseAdd("gzip");
        using var compressed = await fixture.Http.SendAsync(gzipped);
        Assert.Equal("gzip", compressed.Content.Headers.ContentEncoding.Single());
        await using var inflate = new GZipStream(await compressed.Content.ReadAsStreamAsync(), CompressionMode.Decompress);
        using var inflated = new MemoryStream();
        await inflate.CopyToAsync(inflated);
        Assert.Equal(bytes, inflated.ToArray());
    }

    [Fact]
    public async Task BomFile_HalfRate_EachFileAlwaysOrNeverHasTheMark()
    {
        var (manifest, token) = await CompleteAsync(new FaultOptions { Seed = 3, BomFileRate = 0.5, ResourcesPerFile = 4 }, "/Patient/$export?_type=Patient");
        var marks = new StringBuilder();
        foreach (var output in manifest.GetProperty("output").EnumerateArray())
        {
            var url = output.GetProperty("url").GetString()!;
            var first = await FirstBytesAsync(url);
            Assert.Equal(first, await FirstBytesAsync(url));
            marks.Append(first == "EFBBBF" ? 'b' : '.');
        }

        Assert.Contains('b', marks.ToString());
        Assert.Contains('.', marks.ToString());

        async Task<string> FirstBytesAsync(string url)
        {
            using var response = await fixture.Http.SendAsync(fixture.Get(url, token));
            return Convert.ToHexString((await response.Content.ReadAsByteArrayAsync())[..3]);
        }
    }

    [Fact]
    public async Task Trickle_SlowsDownload()
    {
        var (manifest, token) = await CompleteAsync(new FaultOptions { TrickleBytesPerSecond = 4000 });
        var request = fixture.Get(manifest.GetProperty("output")[0].GetProperty("url").GetString()!, token);
        request.Headers.TryAddWithoutValidation("Range", "bytes=0-1199");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var response = await fixture.Http.SendAsync(request);
        Assert.Equal(1200, (await response.Content.ReadAsByteArrayAsync()).Length);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(190), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task FailedFile_Rate1_OutputsBecomeErrors()
    {
        var (manifest, token) = await CompleteAsync(new FaultOptions { FailedFileRate = 1 });
        Assert.Empty(manifest.GetProperty("output").EnumerateArray());
        var error = manifest.GetProperty("error").EnumerateArray().Single();
        using var response = await fixture.Http.SendAsync(fixture.Get(error.GetProperty("url").GetString()!, token));
        var outcomes = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, outcomes.Length);
        Assert.All(outcomes, o => Assert.Contains("injected fault", o, StringComparison.Ordinal));
    }

    [Fact]
    public Task InformationFile_Rate1_OneMoreErrorFileOfInformationOutcomesAndOutputUnchanged() =>
        AssertOneMoreOutcomeFileAsync(new FaultOptions { ResourcesPerFile = 30, InformationFileRate = 1 }, "information");

    [Fact]
    public Task WarningFile_Rate1_OneMoreErrorFileOfWarningOutcomesAndOutputUnchanged() =>
        AssertOneMoreOutcomeFileAsync(new FaultOptions { ResourcesPerFile = 30, WarningFileRate = 1 }, "warning");

    /// <summary>
    /// Runs the same lenient export (its ignored parameter puts a real warning file in error[]) without and with the
    /// fault: the faulty manifest lists exactly one more error file, of outcomes whose every issue has
    /// <paramref name="severity"/>, and the same output files with the same counts and bytes.
    /// </summary>
    private async Task AssertOneMoreOutcomeFileAsync(FaultOptions faults, string severity)
    {
        const string query = "/Patient/$export?_type=Patient,Condition&madeUp=1";
        var token = await fixture.TokenAsync();
        var plain = await LenientExportAsync(new FaultOptions { ResourcesPerFile = faults.ResourcesPerFile }, query, token);
        var faulty = await LenientExportAsync(faults, query, token);

        var plainErrors = plain.GetProperty("error").EnumerateArray().ToDictionary(e => RelativePath(e), e => e);
        var faultyErrors = faulty.GetProperty("error").EnumerateArray().ToList();
        Assert.Single(plainErrors);
        Assert.Equal(plainErrors.Count + 1, faultyErrors.Count);
        foreach (var error in faultyErrors.Where(e => plainErrors.ContainsKey(RelativePath(e))))
        {
            var before = plainErrors[RelativePath(error)];
            Assert.Equal(before.GetProperty("count").GetInt64(), error.GetProperty("count").GetInt64());
            Assert.Equal(await LinesAsync(before.GetProperty("url").GetString()!, token), await LinesAsync(error.GetProperty("url").GetString()!, token));
        }

        var extra = faultyErrors.Single(e => !plainErrors.ContainsKey(RelativePath(e)));
        Assert.Equal("OperationOutcome", extra.GetProperty("type").GetString());
        var lines = await LinesAsync(extra.GetProperty("url").GetString()!, token);
        Assert.NotEmpty(lines);
        Assert.Equal(extra.GetProperty("count").GetInt64(), lines.Length);
        foreach (var line in lines)
        {
            using var outcome = JsonDocument.Parse(line);
            Assert.Equal("OperationOutcome", outcome.RootElement.GetProperty("resourceType").GetString());
            var issues = outcome.RootElement.GetProperty("issue").EnumerateArray().ToList();
            Assert.NotEmpty(issues);
            Assert.All(issues, issue => Assert.Equal(severity, issue.GetProperty("severity").GetString()));
            Assert.All(issues, issue => Assert.False(string.IsNullOrWhiteSpace(issue.GetProperty("diagnostics").GetString())));
        }

        // The downloads need the token like every other file of a requiresAccessToken export.
        Assert.True(faulty.GetProperty("requiresAccessToken").GetBoolean());
        using var anonymous = await fixture.Http.SendAsync(fixture.Get(extra.GetProperty("url").GetString()!, null));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        var plainOutput = plain.GetProperty("output").EnumerateArray().ToList();
        var faultyOutput = faulty.GetProperty("output").EnumerateArray().ToList();
        Assert.True(plainOutput.Count > 2, "the export should span several files");
        Assert.Equal(plainOutput.Select(Summary), faultyOutput.Select(Summary));
        for (var i = 0; i < plainOutput.Count; i++)
        {
            var expected = await LinesAsync(plainOutput[i].GetProperty("url").GetString()!, token);
            Assert.Equal(plainOutput[i].GetProperty("count").GetInt64(), expected.Length);
            Assert.Equal(expected, await LinesAsync(faultyOutput[i].GetProperty("url").GetString()!, token));
        }

        static string RelativePath(JsonElement entry)
        {
            var url = entry.GetProperty("url").GetString()!;
            return url[(url.IndexOf("/bulkfiles/", StringComparison.Ordinal) + "/bulkfiles/".Length)..].Split('/', 2)[1];
        }

        static string Summary(JsonElement entry) => $"{entry.GetProperty("type").GetString()} {RelativePath(entry)} {entry.GetProperty("count").GetInt64()}";
    }

    private async Task<JsonElement> LenientExportAsync(FaultOptions faults, string query, string token)
    {
        var request = fixture.Kickoff(Base(faults) + query, token);
        request.Headers.Remove("Prefer");
        request.Headers.Add("Prefer", "respond-async, handling=lenient");
        using var response = await fixture.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return await fixture.WaitForManifestAsync(response.Content.Headers.ContentLocation!.ToString(), token);
    }

    [Theory]
    [InlineData("informationFile")]
    [InlineData("warningFile")]
    public async Task InformationOrWarningFile_HalfRate_DecidedPerJobSameOnEveryPollAndServer(string fault)
    {
        // Two fresh servers (same job ordinals) meeting the same kick-offs must give the same jobs the extra file.
        async Task<string> JobsAsync()
        {
            var faults = new FaultOptions
            {
                Seed = 11,
                InformationFileRate = fault == "informationFile" ? 0.5 : 0,
                WarningFileRate = fault == "warningFile" ? 0.5 : 0,
            };
            await using var server = await BulkDataServer.StartAsync(new BulkDataServerOptions { Patients = 1, RequireAuth = false, Faults = faults });
            var hits = new StringBuilder();
            for (var job = 0; job < 12; job++)
            {
                var status = await fixture.StartExportAsync(server.BaseUri + "/Patient/$export?_type=Patient", null);
                var first = await fixture.WaitForManifestAsync(status, null);
                var again = await fixture.WaitForManifestAsync(status, null);
                Assert.Equal(first.GetProperty("error").ToString(), again.GetProperty("error").ToString());
                hits.Append(first.GetProperty("error").GetArrayLength() switch { 0 => '.', 1 => 'x', var n => (char)('0' + n) });
            }

            return hits.ToString();
        }

        var sequence = await JobsAsync();
        Assert.Equal(sequence, await JobsAsync());
        Assert.Matches("^[.x]+$", sequence);
        Assert.Contains('x', sequence);
        Assert.Contains('.', sequence);
    }

    [Fact]
    public async Task InformationAndWarningFile_CapabilityUrls_BothListedAndServedWithoutToken()
    {
        await using var open = await ServerFixture.StartAsync(new BulkDataServerOptions { Patients = 3, Seed = 2, CapabilityUrls = true });
        var token = await open.TokenAsync();
        var status = await open.StartExportAsync(open.Server.BaseUriWithFaults(new FaultOptions { InformationFileRate = 1, WarningFileRate = 1 }) + "/Patient/$export?_type=Patient", token);
        var manifest = await open.WaitForManifestAsync(status, token);
        Assert.False(manifest.GetProperty("requiresAccessToken").GetBoolean());

        var severities = new List<string>();
        foreach (var error in manifest.GetProperty("error").EnumerateArray())
        {
            var url = error.GetProperty("url").GetString()!;
            Assert.StartsWith(open.Server.SecondOrigin.ToString(), url, StringComparison.Ordinal);
            using var response = await open.Http.SendAsync(open.Get(url, null));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(error.GetProperty("count").GetInt64(), lines.Length);
            var issues = lines.SelectMany(line => JsonDocument.Parse(line).RootElement.GetProperty("issue").EnumerateArray());
            severities.Add(string.Join(",", issues.Select(i => i.GetProperty("severity").GetString()).Distinct()));
        }

        severities.Sort(StringComparer.Ordinal);
        Assert.Equal(new[] { "information", "warning" }, severities);
        Assert.Equal(0, open.Server.LeakedTokenCount);
    }

    [Fact]
    public async Task RedirectFile_Rate1_307ToOtherOriginThatServesWithoutToken()
    {
        var (manifest, token) = await CompleteAsync(new FaultOptions { RedirectFileRate = 1 });
        using var noRedirects = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var request = fixture.Get(manifest.GetProperty("output")[0].GetProperty("url").GetString()!, token);
        using var response = await noRedirects.SendAsync(request);
        Assert.Equal(HttpStatusCode.TemporaryRedirect, response.StatusCode);
        var location = response.Headers.Location!;
        Assert.Equal(fixture.Server.SecondOrigin.Port, location.Port);
        using var target = await noRedirects.GetAsync(location);
        Assert.Equal(HttpStatusCode.OK, target.StatusCode);
        Assert.NotEmpty(await target.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task TokenLifetime_Segment_ShortensExpiresIn()
    {
        var faults = new FaultOptions { AccessTokenLifetimeSeconds = 2 };
        var endpoint = new Uri(Base(faults).ToString().Replace("/fhir", "/auth/token", StringComparison.Ordinal));
        var assertion = new AssertionSpec(fixture.RsaClientId, endpoint.ToString());
        using var response = await fixture.RequestTokenAsync(assertion.Sign(fixture.RsaKeys), tokenEndpoint: endpoint);
        Assert.Equal(2, (await HttpAssert.JsonAsync(response)).GetProperty("expires_in").GetInt32());
    }

    [Fact]
    public async Task SmartServerSegment_AcceptedWithPageDurAndTokenLifetime()
    {
        const string smart = "eyJlcnIiOiIiLCJwYWdlIjoxMDAwMCwiZHVyIjoxMCwidGx0IjoxNSwibSI6MSwic3R1Ijo0LCJkZWwiOjB9";
        var origin = fixture.Server.BaseUri.GetLeftPart(UriPartial.Authority);
        using var config = await fixture.Http.GetAsync($"{origin}/{smart}/fhir/.well-known/smart-configuration");
        var tokenEndpoint = (await HttpAssert.JsonAsync(config)).GetProperty("token_endpoint").GetString()!;
        Assert.Equal($"{origin}/{smart}/auth/token", tokenEndpoint);
        using var token = await fixture.RequestTokenAsync(new AssertionSpec(fixture.RsaClientId, tokenEndpoint).Sign(fixture.RsaKeys), tokenEndpoint: new Uri(tokenEndpoint));
        Assert.Equal(900, (await HttpAssert.JsonAsync(token)).GetProperty("expires_in").GetInt32());
    }

    [Theory]
    [InlineData("bm90LWpzb24", "/fhir/metadata")]
    [InlineData("fhirr", "/metadata")]
    public async Task Segment_NotBase64Json_NotFoundNamingThePathAndTheBaseUrl(string segment, string rest)
    {
        var origin = fixture.Server.BaseUri.GetLeftPart(UriPartial.Authority);
        using var response = await fixture.Http.GetAsync($"{origin}/{segment}{rest}");
        var issue = await HttpAssert.AssertOutcomeAsync(response, 404);
        Assert.Equal($"No FHIR endpoint at /{segment}{rest}; this server's FHIR base URL is {origin}/fhir.", issue.GetProperty("diagnostics").GetString());
    }

    [Theory]
    [InlineData("/metadata")]
    [InlineData("/fhir/Patient/metadata")]
    public async Task UnknownPath_NotFoundNamingThePathAndTheBaseUrl(string path)
    {
        var origin = fixture.Server.BaseUri.GetLeftPart(UriPartial.Authority);
        using var response = await fixture.Http.GetAsync($"{origin}{path}");
        var issue = await HttpAssert.AssertOutcomeAsync(response, 404);
        Assert.Equal($"No endpoint for GET {path}; this server's FHIR base URL is {origin}/fhir.", issue.GetProperty("diagnostics").GetString());
    }

    [Fact]
    public async Task Segment_RateOutOfRange_NotFoundOutcome()
    {
        var origin = fixture.Server.BaseUri.GetLeftPart(UriPartial.Authority);
        var segment = Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode("""{"fileError":3}""");
        using var response = await fixture.Http.GetAsync($"{origin}/{segment}/fhir/metadata");
        var issue = await HttpAssert.AssertOutcomeAsync(response, 404);
        Assert.Contains("between 0 and 1", issue.GetProperty("diagnostics").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PageSegment_SplitsFiles()
    {
        var (manifest, _) = await CompleteAsync(new FaultOptions { ResourcesPerFile = 10 }, "/Patient/$export?_type=Patient");
        Assert.Equal(4, manifest.GetProperty("output").GetArrayLength());
    }

    [Fact]
    public async Task ServerOptionsFaults_ApplyWithoutSegment()
    {
        await using var server = await BulkDataServer.StartAsync(new BulkDataServerOptions { Patients = 1, RequireAuth = false, Faults = new FaultOptions { KickoffErrorRate = 1 } });
        using var response = await fixture.Http.SendAsync(fixture.Kickoff(server.BaseUri + "/$export", null));
        await HttpAssert.AssertOutcomeAsync(response, 503);
    }
}
