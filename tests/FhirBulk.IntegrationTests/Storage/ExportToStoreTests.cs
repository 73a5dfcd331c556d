using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FhirBulk.Export;
using FhirBulk.IntegrationTests.Support;
using FhirBulk.Server;
using FhirBulk.Storage;
using Xunit.Abstractions;

namespace FhirBulk.IntegrationTests.Storage;

/// <summary>
/// Issue 13 item 2: <c>export --out s3://…</c> / <c>az://…</c> against the embedded server and the emulators. The data
/// objects equal a local export byte for byte; the export folder's state, manifest and log are objects beside them; a cut
/// file and a <c>kill -9</c> mid-upload resume to the same objects; no secret reaches an object or the log.
/// </summary>
public sealed class ExportToStoreTests(S3rver s3rver, Azurite azurite, ITestOutputHelper output) : IClassFixture<S3rver>, IClassFixture<Azurite>, IAsyncLifetime
{
    private ServerHarness _harness = null!;

    public async Task InitializeAsync() => _harness = await ServerHarness.StartAsync();

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [S3rverFact]
    public async Task ExportToStore_S3_DataObjectsEqualALocalExportBesideItsStateManifestAndLog()
    {
        var expected = await LocalExportAsync();
        using var store = S3Store();

        using (var client = _harness.CreateClient())
        {
            var result = await client.ExportToStoreAsync(new ExportRequest(), store);
            Assert.Equal(store.Location.ToString(), result.Directory);
        }

        Assert.Equal(expected, await DataObjectsAsync(store));
        var names = await StoreContract.Names(store, "");
        Assert.Contains(".fhir-bulk-state.json", names);
        Assert.Contains("manifest.json", names);
        Assert.Contains("log.ndjson", names);
        Assert.DoesNotContain(".fhir-bulk.lock", names);
        Assert.Contains("\"export_complete\"", Encoding.UTF8.GetString(await StoreContract.ReadAll(store, "log.ndjson")), StringComparison.Ordinal);
    }

    [AzuriteFact]
    public async Task ExportToStore_AzureBlob_DataObjectsEqualALocalExport()
    {
        var expected = await LocalExportAsync();
        using var store = await AzureBlobObjectStoreTests.Create(azurite, StoreContract.PartSize, _harness.Logs);

        using (var client = _harness.CreateClient())
        {
            await client.ExportToStoreAsync(new ExportRequest(), store);
        }

        Assert.Equal(expected, await DataObjectsAsync(store));
        Assert.Contains("manifest.json", await StoreContract.Names(store, ""));
    }

    [S3rverFact]
    public async Task ExportToStore_S3_NoTokenKeyOrCloudSecretInAnyObjectOrTheLogs() =>
        await AssertNoSecretAsync(S3Store(), [S3ObjectStoreTests.SecretKey]);

    [AzuriteFact]
    public async Task ExportToStore_AzureBlob_NoTokenKeyOrCloudSecretInAnyObjectOrTheLogs() =>
        await AssertNoSecretAsync(await AzureBlobObjectStoreTests.Create(azurite, StoreContract.PartSize, _harness.Logs), [Azurite.AccountKey]);

    [S3rverFact]
    public Task ExportToStore_S3FilesCutMidDownloadAndSomeFailing_ResumeCompletesToTheLocalExportsObjects() =>
        CutThenResumeAsync(S3Store());

    [AzuriteFact]
    public async Task ExportToStore_AzureFilesCutMidDownloadAndSomeFailing_ResumeCompletesToTheLocalExportsObjects() =>
        await CutThenResumeAsync(await AzureBlobObjectStoreTests.Create(azurite, StoreContract.PartSize, _harness.Logs));

    [AzuriteTheory]
    [MemberData(nameof(CliProcess.Clis), MemberType = typeof(CliProcess))]
    public async Task ExportCli_KilledMidUploadToAzure_ResumeObjectsEqualALocalExport(string cli)
    {
        var (big, expected, slow, keyFile) = await LargeExportAsync();
        await using var server = big;
        using var store = await AzureBlobObjectStoreTests.Create(azurite, StoreContract.PartSize, _harness.Logs);
        var url = store.Location.ToString();
        var environment = new Dictionary<string, string> { ["AZURE_STORAGE_CONNECTION_STRING"] = azurite.ConnectionString };

        // Azure has no upload id to wait for: the kill lands while Observation (the sixth file, 9 s at this rate) streams.
        using (var child = CliProcess.Start(environment, ["export", "--server", slow.AbsoluteUri, "--client-id", big.ClientId, "--key", keyFile, "--out", url, "--parallel", "1", "--quiet"]))
        {
            await WaitForCompleteFilesAsync(store, child, 5);
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.False(await store.ExistsAsync("Observation.001.ndjson"), "the kill came too late: Observation was already complete");
            child.Kill(entireProcessTree: true);
            await child.WaitForExitAsync();
        }

        var resume = await CliProcess.RunAsync(cli, environment, "export", "--resume", url, "--quiet");
        Assert.True(resume.ExitCode == 0, resume.Output);
        Assert.Equal(expected, await DataObjectsAsync(store));
    }

    /// <summary>
    /// A server with one large file per type (Observation over two of the CLI's parts), the data files of a local export of
    /// it, its URL trickling files at <paramref name="bytesPerSecond"/> (so that a kill lands mid-file) and a key file for the CLI.
    /// </summary>
    private static async Task<(ServerHarness Server, SortedDictionary<string, string> Expected, Uri Slow, string KeyFile)> LargeExportAsync(int bytesPerSecond = 2_000_000)
    {
        var big = await ServerHarness.StartAsync(o =>
        {
            o.Patients = 300;
            o.ResourcesPerFile = 1_000_000;
        });
        var expectedDirectory = big.NewDirectory();
        using (var client = big.CreateClient())
        {
            await client.ExportToDirectoryAsync(new ExportRequest(), expectedDirectory);
        }

        var largest = Directory.EnumerateFiles(expectedDirectory, "*.ndjson").Max(f => new FileInfo(f).Length);
        Assert.True(largest > 2L * StorageDefaults.PartSize, $"the largest file holds {largest} bytes: too small for a multipart upload of the CLI's part size");
        var keyFile = Path.Combine(big.NewDirectory(), "key.jwk");
        Directory.CreateDirectory(Path.GetDirectoryName(keyFile)!);
        await File.WriteAllTextAsync(keyFile, big.Key.ToPrivateJwk());
        return (big, ServerHarness.DataFiles(expectedDirectory), big.Server.BaseUriWithFaults(new FaultOptions { TrickleBytesPerSecond = bytesPerSecond }), keyFile);
    }

    private async Task CutThenResumeAsync(ObjectStore store)
    {
        using (store)
        {
            var expected = await LocalExportAsync();
            var cut = _harness.Server.BaseUriWithFaults(new FaultOptions { CutFileRate = 0.5, CutFileAfterBytes = 4096, Seed = 3 });

            // No retries: a cut file fails this run, and is left to the resume.
            using (var failing = _harness.CreateClient(cut, o => o.MaxRetries = 0))
            {
                var failure = await Assert.ThrowsAsync<FhirBulkException>(() => failing.ExportToStoreAsync(new ExportRequest(), store));
                output.WriteLine(failure.Message);
            }

            Assert.DoesNotContain(".fhir-bulk.lock", await StoreContract.Names(store, ""));
            using (var resuming = _harness.CreateClient(cut))
            {
                var result = await resuming.ResumeExportAsync(store);
                Assert.Equal(ExportOutcome.Success, result.Outcome);
            }

            Assert.Equal(expected, await DataObjectsAsync(store));
            Assert.Contains(_harness.Requests, r => r.Range is not null);
        }
    }

    [S3rverTheory]
    [MemberData(nameof(CliProcess.Clis), MemberType = typeof(CliProcess))]
    public async Task ExportCli_KilledMidUploadToS3_ResumeAbortsTheUploadAndObjectsEqualALocalExport(string cli)
    {
        // Slower than the other kill test: the upload must be seen in the state while it is under way, and in one CI run
        // under load no poll saw it at 2 MB/s before the export ended (a poll racing s3rver's in-place rewrite of the state
        // reads nothing, and polls may also have been starved); twice the window makes that much less likely.
        var (big, expected, slow, keyFile) = await LargeExportAsync(bytesPerSecond: 1_000_000);
        await using var server = big;
        using var store = S3Store();
        var url = store.Location.ToString();
        string[] endpoint = ["--s3-endpoint", s3rver.Endpoint.ToString()];

        using (var child = CliProcess.Start(S3Environment(), ["export", "--server", slow.AbsoluteUri, "--client-id", big.ClientId, "--key", keyFile, "--out", url, "--parallel", "1", "--quiet", .. endpoint]))
        {
            var uploadId = await WaitForRecordedUploadAsync(store, child);
            child.Kill(entireProcessTree: true);
            await child.WaitForExitAsync();
            output.WriteLine($"killed with upload {uploadId} under way");
        }

        var resume = await CliProcess.RunAsync(cli, S3Environment(), ["export", "--resume", url, "--quiet", .. endpoint]);
        output.WriteLine(resume.Output);
        Assert.True(resume.ExitCode == 0, resume.Output);
        Assert.Equal(expected, await DataObjectsAsync(store));

        // s3rver can neither list nor abort multipart uploads: the resume asked to abort the one the state recorded (and says
        // it could not), and the state holds no upload any more.
        Assert.Contains("Could not abort the unfinished upload", resume.Output, StringComparison.Ordinal);
        var state = JsonNode.Parse(await StoreContract.ReadAll(store, ".fhir-bulk-state.json"))!;
        Assert.All(state["Files"]!.AsArray(), f => Assert.Null(f!["UploadId"]));

        // And in the export's own log beside the data: the upload still holds storage after the console is gone.
        var events = System.Text.Encoding.UTF8.GetString(await StoreContract.ReadAll(store, "log.ndjson")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        var abandoned = Assert.Single(events, e => (string?)e["eventId"] == "upload_abort_failed");
        Assert.StartsWith(url, (string?)abandoned["eventDetail"]!["object"], StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty((string?)abandoned["eventDetail"]!["uploadId"]));
    }

    [S3rverFact]
    public async Task ExportToStore_GzipFiles_ObjectsHoldTheLocalNdjsonAndVerifyAgainstTheirRecordedHashes()
    {
        var expected = await LocalExportAsync();
        using var store = S3Store();

        using (var client = _harness.CreateClient(configure: o => o.CompressOutput = true))
        {
            await client.ExportToStoreAsync(new ExportRequest(), store);
        }

        var actual = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in (await StoreContract.Names(store, "")).Where(n => n.EndsWith(".ndjson.gz", StringComparison.Ordinal)))
        {
            await using var compressed = await store.OpenReadAsync(name);
            await using var gzip = new System.IO.Compression.GZipStream(compressed, System.IO.Compression.CompressionMode.Decompress);
            actual[name[..^".gz".Length]] = Convert.ToHexStringLower(await SHA256.HashDataAsync(gzip));
        }

        Assert.Equal(expected, actual);
        var summary = await FhirBulk.ExportFolder.ExportFolderInspector.InspectAsync(store, verify: true);
        Assert.Empty(summary.Verification!.Problems);
        Assert.Equal(expected.Count, summary.Verification.FilesChecked);
    }

    [S3rverTheory]
    [MemberData(nameof(CliProcess.Clis), MemberType = typeof(CliProcess))]
    public async Task InspectCli_S3Url_SameSummaryAsTheLocalFolder(string cli)
    {
        var local = _harness.NewDirectory();
        using (var client = _harness.CreateClient())
        {
            await client.ExportToDirectoryAsync(new ExportRequest(), local);
        }

        using var store = S3Store();
        using (var client = _harness.CreateClient())
        {
            await client.ExportToStoreAsync(new ExportRequest(), store);
        }

        var fromFolder = await CliProcess.RunAsync(new Dictionary<string, string>(), "inspect", local, "--verify", "--json");
        var fromStore = await CliProcess.RunAsync(cli, S3Environment(), "inspect", store.Location.ToString(), "--verify", "--json", "--s3-endpoint", s3rver.Endpoint.ToString());

        Assert.True(fromFolder.ExitCode == 0, fromFolder.Output);
        Assert.True(fromStore.ExitCode == 0, fromStore.Output);
        Assert.Equal(Comparable(fromFolder.Output), Comparable(fromStore.Output));
        // Runnable as given: the emulator is reached only through --s3-endpoint, which the export does not record.
        var json = fromStore.Output[fromStore.Output.IndexOf('{', StringComparison.Ordinal)..(fromStore.Output.LastIndexOf('}') + 1)];
        Assert.Equal($"fhir-bulk export --resume {store.Location} --s3-endpoint {s3rver.Endpoint}", (string?)JsonNode.Parse(json)!["resumeCommand"]);
    }

    [Fact]
    public async Task ExportCli_S3EndpointUnreachable_Exit5WithoutAResumeHintThatCouldNotWork()
    {
        // Nothing was written under the prefix, so `export --resume` would only say it holds no export.
        var keyFile = Path.Combine(_harness.NewDirectory(), "key.jwk");
        Directory.CreateDirectory(Path.GetDirectoryName(keyFile)!);
        await File.WriteAllTextAsync(keyFile, _harness.Key.ToPrivateJwk());

        var result = await CliProcess.RunAsync(S3Environment(),
            "export", "--server", _harness.Server.BaseUri.AbsoluteUri, "--client-id", _harness.ClientId, "--key", keyFile,
            "--out", $"s3://{S3rver.Bucket}/unreachable", "--s3-endpoint", "http://127.0.0.1:1", "--quiet");

        Assert.True(result.ExitCode == 5, result.Output);
        Assert.DoesNotContain("--resume", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(S3ObjectStoreTests.SecretKey, result.Output, StringComparison.Ordinal);
    }

    [S3rverFact]
    public async Task InspectCli_S3UrlWithoutVerify_SameSummaryAsTheLocalFolder()
    {
        // Counting the lines of each object without --verify once looked a stored object up by its name under the URL
        // its lines carry, and stopped with KeyNotFoundException (exit 1) on every export in a store.
        var local = _harness.NewDirectory();
        using var store = S3Store();
        using (var client = _harness.CreateClient())
        {
            await client.ExportToDirectoryAsync(new ExportRequest(), local);
            await client.ExportToStoreAsync(new ExportRequest(), store);
        }

        var fromFolder = await CliProcess.RunAsync(new Dictionary<string, string>(), "inspect", local, "--json");
        var fromStore = await CliProcess.RunAsync(S3Environment(), "inspect", store.Location.ToString(), "--json", "--s3-endpoint", s3rver.Endpoint.ToString());

        Assert.True(fromFolder.ExitCode == 0, fromFolder.Output);
        Assert.True(fromStore.ExitCode == 0, fromStore.Output);
        Assert.Equal(Comparable(fromFolder.Output), Comparable(fromStore.Output));
    }

    [S3rverFact]
    public async Task InspectAsync_S3SinceExportWithDeletedBundles_CountsTheDeletedFolderAsLocally()
    {
        var since = new ExportRequest { Since = DateTimeOffset.UnixEpoch };
        var local = _harness.NewDirectory();
        using var store = S3Store();
        using (var client = _harness.CreateClient())
        {
            await client.ExportToDirectoryAsync(since, local);
            await client.ExportToStoreAsync(since, store);
        }

        var expected = await FhirBulk.ExportFolder.ExportFolderInspector.InspectAsync(local, verify: true);
        Assert.NotEmpty(expected.DeletedFiles);
        foreach (var verify in new[] { false, true })
        {
            var actual = await FhirBulk.ExportFolder.ExportFolderInspector.InspectAsync(store, verify);
            Assert.Equal(
                expected.DeletedFiles.Select(f => (Path.GetFileName(f.Path), f.Resources, f.Bytes)),
                actual.DeletedFiles.Select(f => (Path.GetFileName(f.Path), f.Resources, f.Bytes)));
            Assert.Equal(expected.Files.Sum(f => f.Resources), actual.Files.Sum(f => f.Resources));
            Assert.True(!verify || actual.Verification!.Problems.Count == 0);
        }
    }

    /// <summary>The JSON summary without where it was read from, nor the transaction time (two exports, two instants).</summary>
    private static string Comparable(string output)
    {
        var node = JsonNode.Parse(output[output.IndexOf('{', StringComparison.Ordinal)..(output.LastIndexOf('}') + 1)])!.AsObject();
        node.Remove("folder");
        node.Remove("resumeCommand");
        node.Remove("transactionTime");
        (node["verified"] as JsonObject)?.Remove("folder");
        return node.ToJsonString();
    }

    private S3ObjectStore S3Store() =>
        S3ObjectStoreTests.Create(s3rver, S3rver.Bucket, S3ObjectStoreTests.AccessKey, S3ObjectStoreTests.SecretKey, StoreContract.PartSize, new(), _harness.Logs);

    private static Dictionary<string, string> S3Environment() => new()
    {
        ["AWS_ACCESS_KEY_ID"] = S3ObjectStoreTests.AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = S3ObjectStoreTests.SecretKey,
        ["AWS_REGION"] = "us-east-1",
    };

    private async Task<SortedDictionary<string, string>> LocalExportAsync()
    {
        var directory = _harness.NewDirectory();
        using var client = _harness.CreateClient();
        await client.ExportToDirectoryAsync(new ExportRequest(), directory);
        return ServerHarness.DataFiles(directory);
    }

    /// <summary>SHA-256 of every data object, as <see cref="ServerHarness.DataFiles"/> gives a folder's.</summary>
    private static async Task<SortedDictionary<string, string>> DataObjectsAsync(ObjectStore store)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in await StoreContract.Names(store, ""))
        {
            if (name.EndsWith(".ndjson", StringComparison.Ordinal) && name != "log.ndjson" && !name.StartsWith("history/", StringComparison.Ordinal))
            {
                files[name] = (await StoreContract.Sha256(store, name)).ToLowerInvariant();
            }
        }

        return files;
    }

    private async Task AssertNoSecretAsync(ObjectStore store, string[] cloudSecrets)
    {
        using (store)
        {
            using (var client = _harness.CreateClient())
            {
                await client.ExportToStoreAsync(new ExportRequest(), store);
            }

            var privateKey = JsonNode.Parse(_harness.Key.ToPrivateJwk())!["d"]!.GetValue<string>();
            string[] secrets = [.. _harness.SentTokens.Select(t => t.Token).Distinct(), privateKey, .. cloudSecrets];
            Assert.NotEmpty(_harness.SentTokens);
            var names = await StoreContract.Names(store, "");
            Assert.NotEmpty(names);
            foreach (var name in names)
            {
                var text = Encoding.UTF8.GetString(await StoreContract.ReadAll(store, name));
                Assert.All(secrets, secret => Assert.False(text.Contains(secret, StringComparison.Ordinal), $"{name} holds a secret"));
            }

            var logs = string.Join('\n', _harness.Logs.Messages);
            Assert.All(secrets, secret => Assert.False(logs.Contains(secret, StringComparison.Ordinal), "the log holds a secret"));
        }
    }

    /// <summary>The upload the saved state records, if any.</summary>
    private static async Task<string?> RecordedUploadAsync(ObjectStore store) =>
        (await SavedStateAsync(store))?["Files"]?.AsArray().Select(f => f?["UploadId"]?.GetValue<string>()).FirstOrDefault(id => id is not null);

    /// <summary>
    /// The child's saved state, or <see langword="null"/> when it cannot be read now. s3rver replaces an object in place (its
    /// body and then its MD5 file), so a read that races a save can fail, come back short, or carry an ETag the AWS SDK
    /// cannot parse (ArgumentOutOfRangeException from its hex reader): a miss, tried again at the next poll.
    /// </summary>
    private static async Task<JsonNode?> SavedStateAsync(ObjectStore store)
    {
        try
        {
            return JsonNode.Parse(await StoreContract.ReadAll(store, ".fhir-bulk-state.json"));
        }
        catch (Exception e) when (e is StorageException or JsonException or HttpRequestException or IOException or Amazon.Runtime.AmazonClientException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>Waits until the child's saved state records <paramref name="count"/> files complete.</summary>
    private static async Task WaitForCompleteFilesAsync(ObjectStore store, System.Diagnostics.Process child, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (child.HasExited)
            {
                Assert.Fail($"the export ended (exit {child.ExitCode}) before {count} files were complete: {await child.StandardError.ReadToEndAsync()}");
            }

            if ((await SavedStateAsync(store))?["Files"]?.AsArray().Count(f => f?["Status"]?.GetValue<string>() == "Complete") >= count)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{count} files were not complete in 90 s");
    }

    /// <summary>Waits until the child's saved state records a multipart upload under way, and returns its id.</summary>
    private static async Task<string> WaitForRecordedUploadAsync(ObjectStore store, System.Diagnostics.Process child)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            if (child.HasExited)
            {
                Assert.Fail($"the export ended (exit {child.ExitCode}) before an upload was recorded: {await child.StandardError.ReadToEndAsync()}");
            }

            if (await RecordedUploadAsync(store) is { } id)
            {
                return id;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException("no upload was recorded in 90 s");
    }
}
