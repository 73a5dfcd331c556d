using DuckDB.NET.Data;
using FhirBulk.IntegrationTests.Support;
using FhirBulk.Server;
using FhirBulk.Storage;

namespace FhirBulk.IntegrationTests.Storage;

/// <summary>
/// Issue 13 item 3, as a user runs it: <c>fhir-bulk view --input s3://…</c> (with <c>--s3-endpoint</c>) and
/// <c>--input az://…</c>, the CLI a child process whose environment alone holds the cloud's credentials, give the same
/// tables as the same files in a local folder; shards read from the bucket build the lake a single local run builds.
/// </summary>
public sealed class ViewFromStoreCommandTests(S3rver s3rver, Azurite azurite) : IClassFixture<S3rver>, IClassFixture<Azurite>, IAsyncLifetime
{
    private readonly string _work = Directory.CreateTempSubdirectory("fhirbulk-view-store-").FullName;

    private string Input => Path.Combine(_work, "input");

    private static string Views => CliProcess.WorkshopViews;

    public Task InitializeAsync() => PopulationGenerator.GenerateAsync(Input, patients: 25, seed: 17);

    public Task DisposeAsync()
    {
        Directory.Delete(_work, recursive: true);
        return Task.CompletedTask;
    }

    [S3rverTheory]
    [MemberData(nameof(CliProcess.Clis), MemberType = typeof(CliProcess))]
    public async Task View_InputS3WithEndpoint_SameCsvTablesAsTheLocalFolder(string cli)
    {
        var prefix = await UploadToS3Async();

        var local = await CliProcess.RunAsync([], "view", "--input", Input, "--view", Views, "--format", "csv", "--out", Path.Combine(_work, "local"));
        var remote = await CliProcess.RunAsync(cli, S3Environment(), "view", "--input", prefix, "--s3-endpoint", s3rver.Endpoint.ToString(), "--view", Views, "--format", "csv", "--out", Path.Combine(_work, "s3"));

        Assert.True(local.ExitCode == 0, local.Output);
        Assert.True(remote.ExitCode == 0, remote.Output);
        AssertSameFiles(Path.Combine(_work, "local"), Path.Combine(_work, "s3"));
    }

    [AzuriteTheory]
    [MemberData(nameof(CliProcess.Clis), MemberType = typeof(CliProcess))]
    public async Task View_InputAzureBlob_SameCsvTablesAsTheLocalFolder(string cli)
    {
        using var store = await AzureBlobObjectStoreTests.Create(azurite, StoreContract.PartSize, new CollectingLoggerFactory());
        await UploadAsync(store);

        var local = await CliProcess.RunAsync([], "view", "--input", Input, "--view", Views, "--format", "csv", "--out", Path.Combine(_work, "local"));
        var remote = await CliProcess.RunAsync(
            cli,
            new() { ["AZURE_STORAGE_CONNECTION_STRING"] = azurite.ConnectionString },
            "view", "--input", store.Location.ToString(), "--view", Views, "--format", "csv", "--out", Path.Combine(_work, "az"));

        Assert.True(local.ExitCode == 0, local.Output);
        Assert.True(remote.ExitCode == 0, remote.Output);
        AssertSameFiles(Path.Combine(_work, "local"), Path.Combine(_work, "az"));
    }

    [S3rverFact]
    public async Task View_TwoShardsFromS3_LakeHoldsTheSingleLocalRunsRows()
    {
        var prefix = await UploadToS3Async();
        var single = Path.Combine(_work, "single");
        var lake = Path.Combine(_work, "lake");

        var one = await CliProcess.RunAsync([], "view", "--input", Input, "--view", Views, "--format", "parquet", "--out", single);
        Assert.True(one.ExitCode == 0, one.Output);
        foreach (var shard in (string[])["0/2", "1/2"])
        {
            var run = await CliProcess.RunAsync(S3Environment(), "view", "--input", prefix, "--s3-endpoint", s3rver.Endpoint.ToString(), "--view", Views,
                "--format", "parquet", "--out", lake, "--shard", shard, "--split-mb", "1");
            Assert.True(run.ExitCode == 0, run.Output);
        }

        var merge = await CliProcess.RunAsync([], "view", "--merge", lake);
        Assert.True(merge.ExitCode == 0, merge.Output);
        Assert.Contains(prefix.TrimEnd('/') + "/", await File.ReadAllTextAsync(Directory.GetFiles(Path.Combine(lake, "_runs")).First()), StringComparison.Ordinal);
        using var duckdb = new DuckDBConnection("Data Source=:memory:");
        await duckdb.OpenAsync();
        foreach (var table in Directory.GetDirectories(single).Select(Path.GetFileName).Where(n => !n!.StartsWith('_')))
        {
            using var command = duckdb.CreateCommand();
            string Parts(string root) => Path.Combine(root, table!, "*.parquet");
            command.CommandText = $"SELECT (SELECT count(*) FROM read_parquet('{Parts(single)}')) - (SELECT count(*) FROM read_parquet('{Parts(lake)}')), " +
                $"(SELECT count(*) FROM (SELECT * FROM read_parquet('{Parts(single)}') EXCEPT ALL SELECT * FROM read_parquet('{Parts(lake)}')))";
            using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            Assert.True(reader.GetInt64(0) == 0 && reader.GetInt64(1) == 0, $"{table}: counts differ by {reader.GetInt64(0)}, {reader.GetInt64(1)} rows only in the single run");
        }
    }

    [S3rverFact]
    public async Task View_InputS3PrefixWithNothingUnderIt_Exit3NotEmptyTables()
    {
        var result = await CliProcess.RunAsync(S3Environment(), "view", "--input", $"s3://{S3rver.Bucket}/no-such-export-{Guid.NewGuid():N}/", "--s3-endpoint", s3rver.Endpoint.ToString(),
            "--view", Views, "--out", Path.Combine(_work, "empty.duckdb"));

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("no objects under this prefix", result.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_work, "empty.duckdb")));
    }

    [S3rverFact]
    public async Task View_InputS3PrefixWithObjectsButNoNdjson_Exit3NamingTheSubPrefixThatHoldsIt()
    {
        // One level off, the usual slip: the NDJSON sits under run1/, and the prefix given holds only a manifest.
        using var store = S3ObjectStoreTests.Create(s3rver, S3rver.Bucket, S3ObjectStoreTests.AccessKey, S3ObjectStoreTests.SecretKey, StoreContract.PartSize, new(), new());
        await using (var manifest = new MemoryStream("{}"u8.ToArray()))
        {
            await store.WriteAsync("manifest.json", manifest);
        }

        await using (var patients = File.OpenRead(Path.Combine(Input, "Patient.000.ndjson")))
        {
            await store.WriteAsync("run1/Patient.000.ndjson", patients);
        }

        var result = await CliProcess.RunAsync(S3Environment(), "view", "--input", store.Location.ToString(), "--s3-endpoint", s3rver.Endpoint.ToString(),
            "--view", Views, "--out", Path.Combine(_work, "empty.duckdb"));

        Assert.True(result.ExitCode == 3, result.Output);
        var prefix = store.Location.ToString().TrimEnd('/');
        Assert.Contains($"holds no <Type>.*.ndjson objects (its subfolder {prefix}/run1/ does: give that): there are no resources to read", result.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_work, "empty.duckdb")));
    }

    [AzuriteFact]
    public async Task View_AzureStoreThatCannotBeReached_Exit5OneLine()
    {
        var unreachable = azurite.ConnectionString.Replace(azurite.Endpoint.GetLeftPart(UriPartial.Authority), "http://127.0.0.1:1", StringComparison.Ordinal);

        var result = await CliProcess.RunAsync(new() { ["AZURE_STORAGE_CONNECTION_STRING"] = unreachable }, "view", "--input", "az://fhir/run1", "--view", Views, "--out", Path.Combine(_work, "x.duckdb"));

        Assert.True(result.ExitCode == 5, result.Output);
        Assert.Contains("error: az://fhir/run1/", result.Output, StringComparison.Ordinal);
        Assert.Contains("gave up after", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("AggregateException", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Azurite.AccountKey, result.Output, StringComparison.Ordinal);
    }

    private Dictionary<string, string> S3Environment() => new()
    {
        ["AWS_ACCESS_KEY_ID"] = S3ObjectStoreTests.AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = S3ObjectStoreTests.SecretKey,
        ["AWS_REGION"] = "us-east-1",
    };

    private async Task<string> UploadToS3Async()
    {
        using var store = S3ObjectStoreTests.Create(s3rver, S3rver.Bucket, S3ObjectStoreTests.AccessKey, S3ObjectStoreTests.SecretKey, StoreContract.PartSize, new(), new());
        await UploadAsync(store);
        return store.Location.ToString();
    }

    private async Task UploadAsync(ObjectStore store)
    {
        foreach (var file in Directory.GetFiles(Input))
        {
            await using var content = File.OpenRead(file);
            await store.WriteAsync(Path.GetFileName(file), content);
        }
    }

    private static void AssertSameFiles(string expected, string actual)
    {
        var names = Directory.GetFiles(expected).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(names, Directory.GetFiles(actual).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (var name in names)
        {
            Assert.True(File.ReadAllBytes(Path.Combine(expected, name!)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(actual, name!))), $"{name} differs");
        }
    }
}
