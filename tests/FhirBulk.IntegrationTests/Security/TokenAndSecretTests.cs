using FhirBulk.Export;
using FhirBulk.IntegrationTests.Support;
using FhirBulk.Server;

namespace FhirBulk.IntegrationTests.Security;

/// <summary>Where the bearer token may go, and that no secret is written anywhere.</summary>
public class TokenAndSecretTests(BaselineFixture baseline) : IClassFixture<BaselineFixture>
{
    [Fact]
    public async Task ExportToDirectory_CrossOriginRedirects_NoTokenSentToTheOtherOrigin()
    {
        var harness = baseline.Harness;
        using var client = harness.CreateClient(harness.Server.BaseUriWithFaults(new FaultOptions { Seed = 21, RedirectFileRate = 1 }));
        var leaks = harness.Server.LeakedTokenCount;

        await client.ExportToDirectoryAsync(new ExportRequest(), harness.NewDirectory());

        Assert.Equal(leaks, harness.Server.LeakedTokenCount);
        Assert.Contains(harness.Requests, r => r.Url.Port == harness.Server.SecondOrigin.Port);
        Assert.DoesNotContain(harness.SentTokens, t => t.Url.Port == harness.Server.SecondOrigin.Port);
    }

    [Fact]
    public async Task ExportToDirectory_CapabilityUrlsWithoutRequiresAccessToken_NoTokenSentAndFilesIdentical()
    {
        await using var harness = await ServerHarness.StartAsync(o => o.CapabilityUrls = true);
        using var client = harness.CreateClient();
        var directory = harness.NewDirectory();

        var result = await client.ExportToDirectoryAsync(new ExportRequest(), directory);

        Assert.False(result.Manifest.RequiresAccessToken);
        Assert.Equal(baseline.Files, ServerHarness.DataFiles(directory));
        Assert.Equal(0, harness.Server.LeakedTokenCount);
        Assert.DoesNotContain(harness.SentTokens, t => t.Url.Port == harness.Server.SecondOrigin.Port);
        Assert.NotEmpty(harness.SentTokens);
    }

    [Fact]
    public async Task ExportToDirectory_OpenServer_WorksWithoutCredentialsAndSendsNoToken()
    {
        await using var harness = await ServerHarness.StartAsync(o => o.RequireAuth = false);
        using var client = harness.CreateClient(withCredentials: false);
        var directory = harness.NewDirectory();

        var result = await client.ExportToDirectoryAsync(new ExportRequest(), directory);

        Assert.False(result.Manifest.RequiresAccessToken);
        Assert.Equal(baseline.Files, ServerHarness.DataFiles(directory));
        Assert.Empty(harness.SentTokens);
    }

    [Fact]
    public async Task ExportToDirectory_RequiresAccessTokenFalse_NoTokenOnFileRequests()
    {
        // Kick-off and status need the token; the files are capability URLs, so the manifest says requiresAccessToken: false.
        // (An open server, --no-auth, now advertises no token endpoint at all, so credentials could not be used there.)
        await using var harness = await ServerHarness.StartAsync(o => o.CapabilityUrls = true);
        using var client = harness.CreateClient(withCredentials: true);

        var result = await client.ExportToDirectoryAsync(new ExportRequest(), harness.NewDirectory());

        Assert.False(result.Manifest.RequiresAccessToken);

        var files = result.Manifest.Output.Select(f => new Uri(f.Url).AbsolutePath).ToHashSet(StringComparer.Ordinal);
        Assert.Contains(harness.Requests, r => files.Contains(r.Url.AbsolutePath));
        Assert.DoesNotContain(harness.SentTokens, t => files.Contains(t.Url.AbsolutePath));
    }

    [Fact]
    public async Task ExportToDirectory_TokensRenewedAndFaults_NoTokenOrKeyInLogsLogNdjsonStateOrManifest()
    {
        var harness = baseline.Harness;
        using var client = harness.CreateClient(harness.Server.BaseUriWithFaults(new FaultOptions
        {
            Seed = 22, AccessTokenLifetimeSeconds = 1, ExportDurationSeconds = 1.2, FileErrorRate = 0.3, RedirectFileRate = 0.3, StatusErrorRate = 0.3,
        }));
        var directory = harness.NewDirectory();

        await client.ExportToDirectoryAsync(new ExportRequest(), directory);

        var tokens = harness.SentTokens.Select(t => t.Token).Distinct().ToList();
        Assert.True(tokens.Count > 1, "the short token lifetime should have forced a renewal");
        var privateJwk = System.Text.Json.JsonDocument.Parse(harness.Key.ToPrivateJwk()).RootElement.GetProperty("d").GetString()!;
        var written = string.Join('\n', harness.Logs.Messages)
            + File.ReadAllText(Path.Combine(directory, "log.ndjson"))
            + File.ReadAllText(Path.Combine(directory, ".fhir-bulk-state.json"))
            + File.ReadAllText(Path.Combine(directory, "manifest.json"));
        Assert.NotEmpty(harness.Logs.Messages);
        Assert.NotEmpty(harness.SentAssertions);
        foreach (var secret in tokens.Concat(harness.SentAssertions).Append(privateJwk))
        {
            Assert.DoesNotContain(secret, written, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ExportToDirectory_CapabilityUrlsAndFileFaults_LogNdjsonHoldsNoSignature()
    {
        // The signatures are the capability URLs' secret: log.ndjson is for sharing, so its URLs (fileUrl, and those
        // inside download_error messages) keep the query's names only. The state keeps them whole, to resume.
        await using var harness = await ServerHarness.StartAsync(o => o.CapabilityUrls = true);
        using var client = harness.CreateClient(harness.Server.BaseUriWithFaults(new FaultOptions { Seed = 23, FileErrorRate = 0.6 }), o => o.MaxRetries = 0);
        var directory = harness.NewDirectory();

        await Assert.ThrowsAnyAsync<FhirBulkException>(() => client.ExportToDirectoryAsync(new ExportRequest(), directory));

        var signatures = Signatures(harness);
        var log = File.ReadAllText(Path.Combine(directory, "log.ndjson"));
        Assert.NotEmpty(signatures);
        Assert.Contains("\"eventId\":\"download_error\"", log, StringComparison.Ordinal);
        var fileUrls = log.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("eventDetail"))
            .Where(detail => detail.TryGetProperty("fileUrl", out _))
            .Select(detail => detail.GetProperty("fileUrl").GetString()!)
            .ToList();
        Assert.NotEmpty(fileUrls);
        Assert.All(fileUrls, url => Assert.EndsWith("?sig=…", url, StringComparison.Ordinal));
        foreach (var signature in signatures)
        {
            Assert.DoesNotContain(signature, log, StringComparison.Ordinal);
        }

        Assert.Contains(signatures[0], File.ReadAllText(Path.Combine(directory, ".fhir-bulk-state.json")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExportToDirectory_CapabilityUrlsAndFileFaults_NoSignatureInLoggerLinesOrTheFailure()
    {
        // What the console shows (warnings, and -v's retry and failure lines) and the error the CLI prints or puts in --json.
        await using var harness = await ServerHarness.StartAsync(o => o.CapabilityUrls = true);
        using var client = harness.CreateClient(harness.Server.BaseUriWithFaults(new FaultOptions { Seed = 23, FileErrorRate = 0.6 }), o => o.MaxRetries = 1);

        var failure = await Assert.ThrowsAnyAsync<FhirBulkException>(() => client.ExportToDirectoryAsync(new ExportRequest(), harness.NewDirectory()));

        var signatures = Signatures(harness);
        var shown = string.Join('\n', harness.Logs.Messages) + failure.Message;
        Assert.NotEmpty(signatures);
        Assert.Contains("?sig=…", shown, StringComparison.Ordinal);
        foreach (var signature in signatures)
        {
            Assert.DoesNotContain(signature, shown, StringComparison.Ordinal);
        }
    }

    // The capability signatures of every file URL the client asked for.
    private static List<string> Signatures(ServerHarness harness) => harness.Requests
        .SelectMany(r => r.Url.Query.TrimStart('?').Split('&'))
        .Where(pair => pair.StartsWith("sig=", StringComparison.Ordinal))
        .Select(pair => pair["sig=".Length..])
        .Distinct()
        .ToList();
}
