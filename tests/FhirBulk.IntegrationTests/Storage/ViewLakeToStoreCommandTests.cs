using DuckDB.NET.Data;
using FhirBulk.IntegrationTests.Support;
using FhirBulk.Server;
using FhirBulk.Storage;

namespace FhirBulk.IntegrationTests.Storage;

/// <summary>
/// Issue 13 item 3's write half, as a user runs it: <c>fhir-bulk view --format parquet --out s3://…</c> (and
/// <c>az://…</c>), the CLI a child process whose environment alone holds the cloud's credentials, builds the Parquet lake as
/// objects; two shards into one bucket give the lake a single local run gives, <c>view --merge</c> checks it in place, and a
/// run killed while writing leaves no part that is not whole.
/// </summary>
public sealed class ViewLakeToStoreCommandTests(S3rver s3rver, Azurite azurite) : IClassFixture<S3rver>, IClassFixture<Azurite>, IAsyncLifetime
{
    private const string AzureContainer = "lakes";
    private readonly string _work = Directory.CreateTempSubdirectory("fhirbulk-lake-store-").FullName;

    private string Input => Path.Combine(_work, "input");

    public Task InitializeAsync() => PopulationGenerator.GenerateAsync(Input, patients: 25, seed: 17);

    public Task DisposeAsync()
    {
        Directory.Delete(_work, recursive: true);
        return Task.CompletedTask;
    }

    [S3rverTheory]
    [MemberData(nameof(CliProcess.Clis), MemberType = typeof(CliProcess))]
    public async Task View_TwoShardsIntoOneS3Bucket_LakeEqualsTheSingleLocalRunAndMergeSaysComplete(string cli)
    {
        var lake = $"s3://{S3rver.Bucket}/lakes/{Guid.NewGuid():N}/lake";
        var single = await SingleLocalRunAsync();

        var outputs = new List<string>();
        foreach (var shard in (string[])["0/2", "1/2"])
        {
            var run = await CliProcess.RunAsync(cli, S3Environment(), [.. ShardArguments(lake, shard), "--s3-endpoint", s3rver.Endpoint.ToString()]);
            Assert.True(run.ExitCode == 0, run.Output);
            Assert.Contains($"Written to {lake}/", run.Output, StringComparison.Ordinal);
            outputs.Add(run.Output);
        }

        // Shard 0 again, cut into more parts: it replaces its own parts in the bucket, and the lake is still one run's rows.
        var again = await CliProcess.RunAsync(cli, S3Environment(), [.. ShardArguments(lake, "0/2"), "--part-rows", "7", "--s3-endpoint", s3rver.Endpoint.ToString()]);
        Assert.True(again.ExitCode == 0, again.Output);
        var merge = await CliProcess.RunAsync(cli, S3Environment(), "view", "--merge", lake, "--s3-endpoint", s3rver.Endpoint.ToString());
        outputs.AddRange([again.Output, merge.Output]);

        Assert.True(merge.ExitCode == 0, merge.Output);
        Assert.Contains($"2 shards of 2 in {lake}/", merge.Output, StringComparison.Ordinal);
        using var store = S3Store(lake);
        var downloaded = await DownloadAsync(store);
        Assert.Equal(2, Directory.GetFiles(Path.Combine(downloaded, "_runs")).Length);
        await AssertSameTablesAsync(single, downloaded);
        AssertNoSecret(downloaded, outputs, S3ObjectStoreTests.SecretKey);
    }

    [AzuriteTheory]
    [MemberData(nameof(CliProcess.Clis), MemberType = typeof(CliProcess))]
    public async Task View_TwoShardsIntoOneAzureContainer_LakeEqualsTheSingleLocalRunAndMergeSaysComplete(string cli)
    {
        var lake = $"az://{AzureContainer}/lakes/{Guid.NewGuid():N}/lake";
        var single = await SingleLocalRunAsync();
        using var store = await AzureStoreAsync(lake);

        var outputs = new List<string>();
        foreach (var shard in (string[])["0/2", "1/2"])
        {
            var run = await CliProcess.RunAsync(cli, AzureEnvironment(), ShardArguments(lake, shard));
            Assert.True(run.ExitCode == 0, run.Output);
            outputs.Add(run.Output);
        }

        var merge = await CliProcess.RunAsync(cli, AzureEnvironment(), "view", "--merge", lake, "--json");
        outputs.Add(merge.Output);

        Assert.True(merge.ExitCode == 0, merge.Output);
        Assert.Contains($"\"lake\": \"{lake}/\"", merge.Output, StringComparison.Ordinal);
        var downloaded = await DownloadAsync(store);
        await AssertSameTablesAsync(single, downloaded);
        AssertNoSecret(downloaded, outputs, Azurite.AccountKey);
    }

    [S3rverFact]
    public async Task View_MergeOfS3LakeMissingAShard_Exit8NamingIt()
    {
        var lake = $"s3://{S3rver.Bucket}/lakes/{Guid.NewGuid():N}/lake";
        var run = await CliProcess.RunAsync(S3Environment(), [.. ShardArguments(lake, "1/2"), "--s3-endpoint", s3rver.Endpoint.ToString()]);
        Assert.True(run.ExitCode == 0, run.Output);

        var merge = await CliProcess.RunAsync(S3Environment(), "view", "--merge", lake, "--s3-endpoint", s3rver.Endpoint.ToString());

        Assert.True(merge.ExitCode == 8, merge.Output);
        Assert.Contains("error: the lake is incomplete: missing 1 shard of 2: 0/2.", merge.Output, StringComparison.Ordinal);
    }

    [S3rverFact]
    public async Task View_MergeOfS3PrefixWithNothingUnderIt_Exit3NotALake()
    {
        // As an empty folder: nothing of a lake there (no run record, no part, no staging) is the wrong location, not a lake missing shards.
        var lake = $"s3://{S3rver.Bucket}/lakes/{Guid.NewGuid():N}/never-written";

        var merge = await CliProcess.RunAsync(S3Environment(), "view", "--merge", lake, "--s3-endpoint", s3rver.Endpoint.ToString());

        Assert.True(merge.ExitCode == 3, merge.Output);
        Assert.Contains("is not a Parquet lake: it holds no run record (_runs/*.json)", merge.Output, StringComparison.Ordinal);
    }

    [S3rverFact]
    public async Task View_KilledWhileWritingPartsToS3_EveryVisiblePartWholeAndMergeSaysIncomplete()
    {
        var lake = $"s3://{S3rver.Bucket}/lakes/{Guid.NewGuid():N}/lake";
        using var store = S3Store(lake);

        // Parts of 5 rows: hundreds of objects, so that the run is still writing them when the first one is seen.
        await KillOnceAPartIsSeenAsync(store, [.. ShardArguments(lake, "0/1"), "--part-rows", "5", "--s3-endpoint", s3rver.Endpoint.ToString()], _ => true);

        var downloaded = await DownloadAsync(store);
        var parts = Directory.GetFiles(downloaded, "*.parquet", SearchOption.AllDirectories);
        Assert.NotEmpty(parts);
        Assert.False(Directory.Exists(Path.Combine(downloaded, "_runs")), "the killed run wrote its record");
        await using var duckdb = new DuckDBConnection("Data Source=:memory:");
        await duckdb.OpenAsync();
        var cut = new List<string>();
        foreach (var part in parts)
        {
            // A cut Parquet file has no footer: DuckDB refuses to read it.
            await using var command = duckdb.CreateCommand();
            command.CommandText = $"SELECT count(*) FROM read_parquet('{part}')";
            try
            {
                Assert.True(Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture) <= 5, part);
            }
            catch (DuckDBException)
            {
                cut.Add(part);
            }
        }

        // The parts are written one at a time, each by one PutObject whose body S3 stores only whole. s3rver does not: it
        // pipes a PUT's body straight into the object's file (lib/stores/filesystem.js, putObject), so the one PUT the kill
        // cut can be listed, cut short. Any other cut part would be ours.
        Assert.True(cut.Count <= 1, $"{cut.Count} of {parts.Length} visible parts are not whole Parquet files: {string.Join(", ", cut)}");

        // Until its record is written a run's parts are staged, outside every view's folder.
        Assert.All(parts, part => Assert.StartsWith(Path.Combine(downloaded, Staging) + Path.DirectorySeparatorChar, part, StringComparison.Ordinal));
        var merge = await CliProcess.RunAsync(S3Environment(), "view", "--merge", lake, "--s3-endpoint", s3rver.Endpoint.ToString());
        Assert.True(merge.ExitCode == 8, merge.Output);
        Assert.Contains("holds no run record", merge.Output, StringComparison.Ordinal);
    }

    [S3rverFact]
    public async Task View_RerunKilledWhileWritingPartsToS3_EarlierRunsObjectsByteIdenticalMergeCompleteAndTheNextRunLeavesOnlyItsOwn()
    {
        var lake = $"s3://{S3rver.Bucket}/lakes/{Guid.NewGuid():N}/lake";
        var single = await SingleLocalRunAsync();
        using var store = S3Store(lake);
        string[] rerun = [.. ShardArguments(lake, "0/1"), "--part-rows", "5", "--s3-endpoint", s3rver.Endpoint.ToString()];
        var first = await CliProcess.RunAsync(S3Environment(), [.. ShardArguments(lake, "0/1"), "--s3-endpoint", s3rver.Endpoint.ToString()]);
        Assert.True(first.ExitCode == 0, first.Output);
        var before = await ObjectsAsync(store);

        // Killed once it has written a part the earlier run did not have: by then it has written others (over the earlier
        // run's of the same names, before staging).
        await KillOnceAPartIsSeenAsync(store, rerun, name => !before.ContainsKey(name));

        var afterKill = await ObjectsAsync(store);
        Assert.All(before, earlier => Assert.True(afterKill.TryGetValue(earlier.Key, out var bytes) && bytes.AsSpan().SequenceEqual(earlier.Value), $"{earlier.Key} of the earlier run was changed or removed"));
        Assert.All(afterKill.Keys.Except(before.Keys), added => Assert.StartsWith(Staging + "/", added, StringComparison.Ordinal));
        var merge = await CliProcess.RunAsync(S3Environment(), "view", "--merge", lake, "--s3-endpoint", s3rver.Endpoint.ToString());
        Assert.True(merge.ExitCode == 0, merge.Output);

        var again = await CliProcess.RunAsync(S3Environment(), rerun);
        Assert.True(again.ExitCode == 0, again.Output);
        var after = await ObjectsAsync(store);
        Assert.DoesNotContain(after.Keys, name => name.StartsWith(Staging + "/", StringComparison.Ordinal));
        Assert.DoesNotContain(after.Keys, name => name.StartsWith("_runs/", StringComparison.Ordinal) && before.ContainsKey(name));
        merge = await CliProcess.RunAsync(S3Environment(), "view", "--merge", lake, "--s3-endpoint", s3rver.Endpoint.ToString());
        Assert.True(merge.ExitCode == 0, merge.Output);
        await AssertSameTablesAsync(single, await DownloadAsync(store));
    }

    /// <summary>Starts a run and kills it once the store lists a part <paramref name="counts"/> accepts.</summary>
    private async Task KillOnceAPartIsSeenAsync(ObjectStore store, string[] arguments, Func<string, bool> counts)
    {
        using var process = CliProcess.Start(S3Environment(), arguments);
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (!await store.ListAsync().AnyAsync(o => o.Name.EndsWith(".parquet", StringComparison.Ordinal) && counts(o.Name)))
        {
            Assert.False(process.HasExited, "the run ended before the part was seen");
            Assert.True(DateTime.UtcNow < deadline, "the part did not appear within 2 minutes");
            await Task.Delay(10);
        }

        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
    }

    /// <summary>The lake's staging folder, which docs/cli.md names for readers.</summary>
    private const string Staging = "_staging";

    private string[] ShardArguments(string lake, string shard) =>
        ["view", "--input", Input, "--view", CliProcess.WorkshopViews, "--format", "parquet", "--out", lake, "--shard", shard, "--split-mb", "1", "--quiet"];

    private async Task<string> SingleLocalRunAsync()
    {
        var single = Path.Combine(_work, "single");
        var run = await CliProcess.RunAsync([], "view", "--input", Input, "--view", CliProcess.WorkshopViews, "--format", "parquet", "--out", single, "--quiet");
        Assert.True(run.ExitCode == 0, run.Output);
        return single;
    }

    private Dictionary<string, string> S3Environment() => new()
    {
        ["AWS_ACCESS_KEY_ID"] = S3ObjectStoreTests.AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = S3ObjectStoreTests.SecretKey,
        ["AWS_REGION"] = "us-east-1",
    };

    private Dictionary<string, string> AzureEnvironment() => new() { ["AZURE_STORAGE_CONNECTION_STRING"] = azurite.ConnectionString };

    private ObjectStore S3Store(string lake)
    {
        var options = new ObjectStoreOptions { S3Endpoint = s3rver.Endpoint, S3ForcePathStyle = true }.Validated();
        var client = new Amazon.S3.AmazonS3Client(new Amazon.Runtime.BasicAWSCredentials(S3ObjectStoreTests.AccessKey, S3ObjectStoreTests.SecretKey), S3ObjectStore.Config(options));
        return new S3ObjectStore(StorageLocation.Parse(lake), options, client, ownsClient: true);
    }

    private async Task<ObjectStore> AzureStoreAsync(string lake)
    {
        await new Azure.Storage.Blobs.BlobContainerClient(azurite.ConnectionString, AzureContainer).CreateIfNotExistsAsync();
        return AzureBlobObjectStore.Connect(
            StorageLocation.Parse(lake),
            new ObjectStoreOptions().Validated(),
            name => name == AzureBlobObjectStore.ConnectionStringVariable ? azurite.ConnectionString : null);
    }

    /// <summary>Every object of the lake and its bytes.</summary>
    private async Task<Dictionary<string, byte[]>> ObjectsAsync(ObjectStore store)
    {
        var folder = await DownloadAsync(store);
        return Directory.GetFiles(folder, "*", SearchOption.AllDirectories).ToDictionary(f => Path.GetRelativePath(folder, f).Replace(Path.DirectorySeparatorChar, '/'), File.ReadAllBytes);
    }

    /// <summary>Every object of the lake into a local folder, as a reader without httpfs would read it.</summary>
    private async Task<string> DownloadAsync(ObjectStore store)
    {
        var folder = Path.Combine(_work, $"downloaded-{Guid.NewGuid():N}");
        await foreach (var stored in store.ListAsync())
        {
            var path = Path.Combine(folder, stored.Name.Replace('/', Path.DirectorySeparatorChar));
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await using var content = await store.OpenReadAsync(stored.Name);
            await using var file = File.Create(path);
            await content.CopyToAsync(file);
        }

        return folder;
    }

    private static async Task AssertSameTablesAsync(string expected, string actual)
    {
        var views = Directory.GetDirectories(expected).Select(Path.GetFileName).Where(n => !n!.StartsWith('_')).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(views, Directory.GetDirectories(actual).Select(Path.GetFileName).Where(n => !n!.StartsWith('_')).Order(StringComparer.Ordinal));
        await using var duckdb = new DuckDBConnection("Data Source=:memory:");
        await duckdb.OpenAsync();
        foreach (var view in views)
        {
            string Parts(string root) => $"read_parquet('{Path.Combine(root, view!, "*.parquet")}')";
            await using var command = duckdb.CreateCommand();
            command.CommandText = $"SELECT (SELECT count(*) FROM {Parts(expected)}) - (SELECT count(*) FROM {Parts(actual)}), " +
                $"(SELECT count(*) FROM (SELECT * FROM {Parts(expected)} EXCEPT ALL SELECT * FROM {Parts(actual)})), " +
                $"(SELECT count(*) FROM (SELECT * FROM {Parts(actual)} EXCEPT ALL SELECT * FROM {Parts(expected)}))";
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            Assert.True(
                reader.GetInt64(0) == 0 && reader.GetInt64(1) == 0 && reader.GetInt64(2) == 0,
                $"{view}: counts differ by {reader.GetInt64(0)}, {reader.GetInt64(1)} rows only in the single run, {reader.GetInt64(2)} only in the lake");
            Assert.Equal(
                await File.ReadAllTextAsync(Path.Combine(expected, view!, "_schema.json")),
                await File.ReadAllTextAsync(Path.Combine(actual, view!, "_schema.json")));
        }
    }

    /// <summary>The secret is in no object's text (run records, schemas) and nothing the CLI printed.</summary>
    private static void AssertNoSecret(string downloaded, IEnumerable<string> outputs, string secret)
    {
        foreach (var file in Directory.GetFiles(downloaded, "*.json", SearchOption.AllDirectories))
        {
            Assert.DoesNotContain(secret, File.ReadAllText(file), StringComparison.Ordinal);
        }

        Assert.All(outputs, output => Assert.DoesNotContain(secret, output, StringComparison.Ordinal));
    }
}
