using FhirBulk.Server.Tests.Support;

namespace FhirBulk.Server.Tests.Export;

/// <summary>Small pages, one job per client, and exports held in progress for a second, to observe the lifecycle.</summary>
public sealed class LifecycleServerFixture : ServerFixture
{
    protected override BulkDataServerOptions CreateOptions() => new()
    {
        Patients = 20,
        Seed = 11,
        ResourcesPerFile = 100,
        ManifestPageSize = 3,
        MaxConcurrentJobsPerClient = 1,
    };
}

public class JobLifecycleTests(LifecycleServerFixture fixture) : IClassFixture<LifecycleServerFixture>
{
    private Uri Slow => fixture.Server.BaseUriWithFaults(new FaultOptions { ExportDurationSeconds = 30 });

    [Fact]
    public async Task Status_InProgress_202WithProgressAndRetryAfter_ThenDeleteThen404()
    {
        var token = await fixture.TokenAsync();
        var status = await fixture.StartExportAsync(Slow + "/Patient/$export?_type=Patient", token);
        Assert.StartsWith(Slow.ToString(), status, StringComparison.Ordinal);

        using (var pending = await fixture.Http.SendAsync(fixture.Get(status, token)))
        {
            Assert.Equal(202, (int)pending.StatusCode);
            Assert.EndsWith("% complete", pending.Headers.GetValues("X-Progress").Single(), StringComparison.Ordinal);
            Assert.Equal(TimeSpan.FromSeconds(1), pending.Headers.RetryAfter?.Delta);
        }

        // One export in progress is this client's limit.
        using (var second = await fixture.Http.SendAsync(fixture.Kickoff(fixture.Server.BaseUri + "/$export?_type=Patient", token)))
        {
            await HttpAssert.AssertOutcomeAsync(second, 429);
            Assert.NotNull(second.Headers.RetryAfter);
        }

        using (var cancel = await fixture.Http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, status) { Headers = { Authorization = new("Bearer", token) } }))
        {
            Assert.Equal(202, (int)cancel.StatusCode);
        }

        using var gone = await fixture.Http.SendAsync(fixture.Get(status, token));
        await HttpAssert.AssertOutcomeAsync(gone, 404);
        using var again = await fixture.Http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, status) { Headers = { Authorization = new("Bearer", token) } });
        await HttpAssert.AssertOutcomeAsync(again, 404);

        // The slot is free again.
        var next = await fixture.StartExportAsync(fixture.Server.BaseUri + "/$export?_type=Patient", token);
        await fixture.WaitForManifestAsync(next, token);
    }

    [Fact]
    public async Task Kickoff_ParallelBurstOverLimit_ExactlyOneAdmitted()
    {
        var token = await fixture.TokenAsync();
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => fixture.Http.SendAsync(fixture.Kickoff(Slow + "/Patient/$export?_type=Patient", token))));
        try
        {
            Assert.Equal(1, responses.Count(r => (int)r.StatusCode == 202));
            Assert.Equal(7, responses.Count(r => (int)r.StatusCode == 429));
        }
        finally
        {
            foreach (var accepted in responses.Where(r => (int)r.StatusCode == 202))
            {
                using var cancel = await fixture.Http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, accepted.Content.Headers.ContentLocation) { Headers = { Authorization = new("Bearer", token) } });
            }

            foreach (var response in responses)
            {
                response.Dispose();
            }
        }
    }

    [Fact]
    public async Task Complete_ManifestHasExpiresAndFilesVanishAfterDelete()
    {
        var token = await fixture.TokenAsync();
        var status = await fixture.StartExportAsync(fixture.Server.BaseUri + "/Patient/$export?_type=Patient", token);
        await fixture.WaitForManifestAsync(status, token);
        using var complete = await fixture.Http.SendAsync(fixture.Get(status, token));
        Assert.NotNull(complete.Content.Headers.Expires);
        var manifest = await HttpAssert.JsonAsync(complete);
        var url = manifest.GetProperty("output")[0].GetProperty("url").GetString()!;

        using var delete = await fixture.Http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, status) { Headers = { Authorization = new("Bearer", token) } });
        Assert.Equal(202, (int)delete.StatusCode);
        using var file = await fixture.Http.SendAsync(fixture.Get(url, token));
        await HttpAssert.AssertOutcomeAsync(file, 404);
    }

    [Fact]
    public async Task Status_OtherClientsJob_NotFound()
    {
        var token = await fixture.TokenAsync();
        var status = await fixture.StartExportAsync(fixture.Server.BaseUri + "/Patient/$export?_type=Patient", token);
        await fixture.WaitForManifestAsync(status, token);
        using var ecToken = await fixture.RequestTokenAsync(fixture.Assertion(fixture.EcClientId).Sign(fixture.EcKeys));
        var other = (await HttpAssert.JsonAsync(ecToken)).GetProperty("access_token").GetString();
        using var response = await fixture.Http.SendAsync(fixture.Get(status, other));
        await HttpAssert.AssertOutcomeAsync(response, 404);
    }

    [Fact]
    public async Task Status_UnknownJob_NotFound()
    {
        using var response = await fixture.Http.SendAsync(fixture.Get(fixture.Server.BaseUri + "/bulkstatus/nope", await fixture.TokenAsync()));
        await HttpAssert.AssertOutcomeAsync(response, 404);
    }

    [Fact]
    public async Task Status_AllowPartialManifests_PagesOutputWithNextLinks()
    {
        var token = await fixture.TokenAsync();
        var status = await fixture.StartExportAsync(fixture.Server.BaseUri + "/$export?allowPartialManifests=true", token);
        var page = await fixture.WaitForManifestAsync(status, token);
        var total = 0;
        var pages = 1;
        while (true)
        {
            var outputs = page.GetProperty("output").GetArrayLength();
            Assert.InRange(outputs, 1, 3);
            total += outputs;
            if (!page.TryGetProperty("link", out var links))
            {
                break;
            }

            var next = links.EnumerateArray().Single(l => l.GetProperty("relation").GetString() == "next").GetProperty("url").GetString()!;
            using var response = await fixture.Http.SendAsync(fixture.Get(next, token));
            page = await HttpAssert.JsonAsync(response);
            pages++;
        }

        Assert.True(pages > 1);
        var unpaged = await fixture.ExportAsync("/$export", token);
        Assert.Equal(unpaged.GetProperty("output").GetArrayLength(), total);
    }
}
