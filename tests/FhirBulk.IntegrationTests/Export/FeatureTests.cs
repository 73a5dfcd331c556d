using System.Net;
using System.Text.Json;
using FhirBulk.Export;
using FhirBulk.Http;
using FhirBulk.IntegrationTests.Support;

namespace FhirBulk.IntegrationTests.Export;

/// <summary>Every client feature against the real server.</summary>
public class FeatureTests(BaselineFixture baseline) : IClassFixture<BaselineFixture>
{
    private ServerHarness Harness => baseline.Harness;

    [Fact]
    public void ExportToDirectory_FaultFree_WritesLayoutManifestStateAndLogVocabulary()
    {
        var directory = baseline.Result.Directory;
        Assert.True(File.Exists(Path.Combine(directory, "manifest.json")));
        Assert.True(File.Exists(Path.Combine(directory, ".fhir-bulk-state.json")));
        Assert.Contains("Patient.001.ndjson", baseline.Files.Keys);
        Assert.All(baseline.Files.Keys, name => Assert.Matches(@"^[A-Z][A-Za-z]+\.\d{3}\.ndjson$", name));
        var events = File.ReadLines(Path.Combine(directory, "log.ndjson")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("eventId").GetString()).ToHashSet();
        Assert.Superset(new HashSet<string?> { "kickoff", "status_complete", "manifest_complete", "download_request", "download_complete", "export_complete" }, events);
        Assert.Equal(ExportOutcome.Success, baseline.Result.Outcome);
        Assert.True(baseline.Result.JobDeleted);
        Assert.All(baseline.Result.Files, f => Assert.Equal(f.DeclaredCount, f.Resources));
        Assert.All(baseline.Result.Files, f => Assert.Equal(baseline.Files[f.FileName], f.Sha256));
    }

    [Theory]
    [InlineData(TransferCompression.Auto, "identity", null)]
    [InlineData(TransferCompression.None, "identity", null)]
    [InlineData(TransferCompression.Gzip, "gzip", "gzip")]
    public async Task ExportToDirectory_TransferCompression_AsksAsConfiguredAndStoresTheSameBytes(TransferCompression compression, string asked, string? received)
    {
        var harness = baseline.Harness;
        using var client = harness.CreateClient(configure: o => o.TransferCompression = compression);
        var directory = harness.NewDirectory();

        var result = await client.ExportToDirectoryAsync(new ExportRequest(), directory);

        var fileUrls = result.Manifest.Output.Select(f => f.Url).ToHashSet(StringComparer.Ordinal);
        var downloads = harness.Responses.Where(r => fileUrls.Contains(r.Url.AbsoluteUri)).ToList();
        Assert.Equal(fileUrls.Count, downloads.Count);
        Assert.All(downloads, d => Assert.Equal((asked, received), (d.AcceptEncoding, d.ContentEncoding)));
        Assert.Equal(baseline.Files, ServerHarness.DataFiles(directory));
    }

    [Fact]
    public async Task StartExport_StatusAfterDeletion_Is404Gone()
    {
        using var client = Harness.CreateClient();
        var status = baseline.Result.StatusUrl;

        var error = await Assert.ThrowsAsync<FhirBulkException>(() => client.GetExportOperation(status).UpdateStatusAsync());

        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
        Assert.Contains("gone", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ExportToDirectory_SystemLevelWithTypes_OnlyThoseTypes(bool post)
    {
        using var client = Harness.CreateClient();
        var directory = Harness.NewDirectory();

        var result = await client.ExportToDirectoryAsync(new ExportRequest { Level = ExportLevel.System, Types = ["Patient", "Condition"], UsePost = post }, directory);

        Assert.Equal(["Condition", "Patient"], result.ResourcesByType.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(baseline.Result.ResourcesByType["Patient"], result.ResourcesByType["Patient"]);
    }

    [Fact]
    public async Task ExportToDirectory_GroupLevel_ExportsMembersOfAListedGroup()
    {
        using var client = Harness.CreateClient();
        var groups = await client.ListGroupsAsync().ToListAsync();
        var group = groups.First(g => g.MemberCount > 0);

        var result = await client.ExportToDirectoryAsync(new ExportRequest { Level = ExportLevel.Group, GroupId = group.Id, Types = ["Patient"] }, Harness.NewDirectory());

        Assert.Equal(group.MemberCount, (int)result.ResourcesByType["Patient"]);
    }

    [Fact]
    public async Task ExportToDirectory_PatientParameter_PostsAndExportsThatPatientOnly()
    {
        using var client = Harness.CreateClient();
        var firstPatient = JsonDocument.Parse(File.ReadLines(Path.Combine(baseline.Result.Directory, "Patient.001.ndjson")).First()).RootElement.GetProperty("id").GetString();

        var result = await client.ExportToDirectoryAsync(new ExportRequest { Patients = [$"Patient/{firstPatient}"], Types = ["Patient"] }, Harness.NewDirectory());

        Assert.Equal(1, result.ResourcesByType["Patient"]);
    }

    [Fact]
    public async Task ExportToDirectory_PartialManifests_FollowsLinksToSameFiles()
    {
        using var client = Harness.CreateClient();
        var directory = Harness.NewDirectory();

        await client.ExportToDirectoryAsync(new ExportRequest { AllowPartialManifests = true }, directory);

        Assert.Equal(baseline.Files, ServerHarness.DataFiles(directory));
    }

    [Fact]
    public async Task ExportToDirectory_SinceAuto_UsesPreviousTransactionTimeAndArchivesPreviousExport()
    {
        using var client = Harness.CreateClient();
        var directory = Harness.NewDirectory();
        var first = await client.ExportToDirectoryAsync(new ExportRequest { Types = ["Patient"] }, directory);

        var since = BulkDataClient.ReadLastTransactionTime(directory);
        var second = await client.ExportToDirectoryAsync(new ExportRequest { Types = ["Patient"], Since = since }, directory);

        Assert.Equal(first.TransactionTime, since);
        Assert.Contains($"_since=", second.Manifest.Request, StringComparison.Ordinal);
        Assert.Equal(0, second.TotalResources);
        Assert.Single(Directory.GetDirectories(Path.Combine(directory, "history")));
    }

    [Fact]
    public async Task ReadSinceFor_SameServerAndRequest_ThePreviousTransactionTime()
    {
        using var client = Harness.CreateClient();
        var directory = Harness.NewDirectory();
        var first = await client.ExportToDirectoryAsync(new ExportRequest { Types = ["Patient"] }, directory);

        Assert.Equal(first.TransactionTime, client.ReadSinceFor(directory, new ExportRequest { Types = ["Patient"], Since = DateTimeOffset.UnixEpoch }));
        Assert.Null(client.ReadSinceFor(Harness.NewDirectory(), new ExportRequest()));
    }

    [Fact]
    public async Task ReadSinceFor_AnotherRequestsExport_RefusedNamingTheDifference()
    {
        using var client = Harness.CreateClient();
        var directory = Harness.NewDirectory();
        await client.ExportToDirectoryAsync(new ExportRequest { Types = ["Patient"] }, directory);

        var error = Assert.Throws<ExportFolderException>(() => client.ReadSinceFor(directory, new ExportRequest { Types = ["Condition"] }));

        Assert.Contains("was of another request (types: [\"Patient\"] here, [\"Condition\"] now)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadSinceFor_AnotherServersExport_RefusedNamingBothServers()
    {
        using var client = Harness.CreateClient();
        var directory = Harness.NewDirectory();
        await client.ExportToDirectoryAsync(new ExportRequest { Types = ["Patient"] }, directory);
        using var other = new BulkDataClient(new Uri("http://127.0.0.1:1/fhir"));

        var error = Assert.Throws<ExportFolderException>(() => other.ReadSinceFor(directory, new ExportRequest { Types = ["Patient"] }));

        Assert.Contains($"is from {client.BaseUri.AbsoluteUri}, not from http://127.0.0.1:1/fhir/", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResumeExport_AfterCancellationMidExport_CompletesWithIdenticalFiles()
    {
        var directory = Harness.NewDirectory();
        var slow = Harness.Server.BaseUriWithFaults(new FhirBulk.Server.FaultOptions { ExportDurationSeconds = 0.3, TrickleBytesPerSecond = 500_000 });
        using (var client = Harness.CreateClient(slow))
        using (var stop = new CancellationTokenSource())
        {
            var progress = new Reporter<ExportProgress>(p =>
            {
                if (p.Phase == ExportPhase.Downloading && p.File is { Status: ExportFileStatus.Pending, BytesDownloaded: > 0 })
                {
                    stop.Cancel();
                }
            });
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.ExportToDirectoryAsync(new ExportRequest(), directory, progress, stop.Token));
        }

        Assert.NotEmpty(Directory.EnumerateFiles(directory, "*.part"));
        using var resumer = Harness.CreateClient(slow);
        var result = await resumer.ResumeExportAsync(directory);

        Assert.Equal(baseline.Files, ServerHarness.DataFiles(directory));
        Assert.Equal(ExportOutcome.Success, result.Outcome);
    }

    [Fact]
    public async Task ExportToDirectory_CompressOutput_WritesGzipFilesWithTheSameNdjsonInside()
    {
        using var client = Harness.CreateClient(configure: o => o.CompressOutput = true);
        var directory = Harness.NewDirectory();

        var result = await client.ExportToDirectoryAsync(new ExportRequest(), directory);

        var decompressed = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFiles(directory, "*.ndjson.gz"))
        {
            using var gzip = new System.IO.Compression.GZipStream(File.OpenRead(path), System.IO.Compression.CompressionMode.Decompress);
            decompressed[Path.GetFileName(path)[..^3]] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(gzip));
        }

        Assert.Equal(baseline.Files, decompressed);
        Assert.All(result.Files, f => Assert.Equal(baseline.Files[f.FileName[..^3]], f.Sha256));
        Assert.Empty(Directory.EnumerateFiles(directory, "*.part"));
    }

    [Fact]
    public async Task ResumeExport_AlreadyComplete_ReturnsSummaryWithoutDownloadingAgain()
    {
        using var client = Harness.CreateClient();
        var directory = Harness.NewDirectory();
        await client.ExportToDirectoryAsync(new ExportRequest { Types = ["Patient"] }, directory);
        var requestsBefore = Harness.Requests.Count;

        var again = await client.ResumeExportAsync(directory);

        Assert.Equal(baseline.Result.ResourcesByType["Patient"], again.TotalResources);
        Assert.Equal(requestsBefore, Harness.Requests.Count);
        Assert.False(Directory.Exists(Path.Combine(directory, "history")));
    }

    [Fact]
    public async Task CancelExport_RunningJob_DeletesItOnTheServer()
    {
        var directory = Harness.NewDirectory();
        var slow = Harness.Server.BaseUriWithFaults(new FhirBulk.Server.FaultOptions { ExportDurationSeconds = 30 });
        using var client = Harness.CreateClient(slow);
        using (var stop = new CancellationTokenSource())
        {
            var progress = new Reporter<ExportProgress>(p =>
            {
                if (p.Phase == ExportPhase.Polling)
                {
                    stop.Cancel();
                }
            });
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.ExportToDirectoryAsync(new ExportRequest(), directory, progress, stop.Token));
        }

        Assert.True(await client.CancelExportAsync(directory));

        var statusUrl = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, ".fhir-bulk-state.json"))).RootElement.GetProperty("StatusUrl").GetString()!;
        var error = await Assert.ThrowsAsync<FhirBulkException>(() => client.GetExportOperation(new Uri(statusUrl)).UpdateStatusAsync());
        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
        await Assert.ThrowsAsync<ExportFolderException>(() => client.ResumeExportAsync(directory));
    }

    [Fact]
    public async Task ExportToDirectory_UnfinishedExportInFolder_RefusesToStartAnother()
    {
        var directory = Harness.NewDirectory();
        using var client = Harness.CreateClient(Harness.Server.BaseUriWithFaults(new FhirBulk.Server.FaultOptions { ExportDurationSeconds = 30 }));
        using (var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(300)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.ExportToDirectoryAsync(new ExportRequest(), directory, null, stop.Token));
        }

        await Assert.ThrowsAsync<ExportFolderException>(() => client.ExportToDirectoryAsync(new ExportRequest(), directory));
        await client.CancelExportAsync(directory);
    }

    [Fact]
    public async Task GetServerSummary_RealServer_ReportsVersionLevelsAndAuth()
    {
        using var client = Harness.CreateClient();

        var summary = await client.GetServerSummaryAsync();

        Assert.Equal("4.0.1", summary.FhirVersion);
        Assert.Equal(["group", "patient", "system"], summary.ExportLevels);
        Assert.Equal(Harness.Server.TokenEndpoint, summary.Authorization!.TokenEndpoint);
        Assert.Contains("ES384", summary.Authorization.SigningAlgorithms);
        Assert.Contains("system/*.rs", summary.Authorization.ScopesSupported);
    }

    [Fact]
    public async Task StartExport_UnknownClient_ThrowsAuthenticationExceptionWithOAuthError()
    {
        using var stranger = FhirBulk.Auth.ClientSigningKey.FromPem(FhirBulk.Auth.KeyGenerator.Generate("RS384").PrivateKeyPem);
        using var client = Harness.CreateClient(configure: o => o.Credentials = new FhirBulk.Auth.BulkDataCredentials(Harness.ClientId, stranger));

        var error = await Assert.ThrowsAsync<AuthenticationException>(() => client.StartExportAsync(new ExportRequest()));

        Assert.NotNull(error.Error);
    }

    [Fact]
    public async Task StartExport_NoCredentialsOnProtectedServer_ThrowsAuthenticationException()
    {
        using var client = Harness.CreateClient(withCredentials: false);
        await Assert.ThrowsAsync<AuthenticationException>(() => client.StartExportAsync(new ExportRequest()));
    }

    [Fact]
    public async Task StartExport_BadParameter_ThrowsWithServersOperationOutcome()
    {
        using var client = Harness.CreateClient();

        var error = await Assert.ThrowsAsync<FhirBulkException>(() => client.StartExportAsync(new ExportRequest { Types = ["NotAType"] }));

        Assert.Equal(HttpStatusCode.BadRequest, error.StatusCode);
        Assert.NotNull(error.OperationOutcome);
        Assert.False(error.IsTransient);
    }

    [Fact]
    public async Task WaitForCompletion_LongRunningOperationApi_ReportsProgressThenManifest()
    {
        using var client = Harness.CreateClient(Harness.Server.BaseUriWithFaults(new FhirBulk.Server.FaultOptions { ExportDurationSeconds = 0.5 }));
        var operation = await client.StartExportAsync(new ExportRequest { Types = ["Patient"] });
        var statuses = new List<ExportStatus>();

        var rebuilt = client.GetExportOperation(operation.StatusUrl);
        var manifest = await rebuilt.WaitForCompletionAsync(new Progress<ExportStatus>(statuses.Add));
        var download = await client.DownloadAsync(manifest, Harness.NewDirectory());
        await rebuilt.DeleteAsync();

        Assert.True(rebuilt.HasCompleted);
        Assert.False(download.HasFailures);
        Assert.Equal(baseline.Result.ResourcesByType["Patient"], download.Files.Sum(f => f.Resources));
    }

    /// <summary>Reports on the caller's thread, so a test can cancel at an exact point.</summary>
    private sealed class Reporter<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
