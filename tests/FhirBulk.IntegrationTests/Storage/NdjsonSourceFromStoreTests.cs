using System.IO.Compression;
using FhirBulk.IntegrationTests.Support;
using FhirBulk.Ndjson;
using FhirBulk.Server;
using FhirBulk.Storage;

namespace FhirBulk.IntegrationTests.Storage;

/// <summary>
/// Issue 13 item 3: NDJSON read straight from S3 (s3rver) and Azure Blob (Azurite) gives what the same files give from a
/// local folder — every resource in the same order, gzip included — and a shard plan over the store splits large
/// objects into byte ranges (one ranged read each) whose resources together are the whole input's.
/// </summary>
public sealed class NdjsonSourceFromStoreTests(S3rver s3rver, Azurite azurite) : IClassFixture<S3rver>, IClassFixture<Azurite>, IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("fhirbulk-store-source-").FullName;

    public async Task InitializeAsync()
    {
        await PopulationGenerator.GenerateAsync(_folder, patients: 30, seed: 13);

        // One type as gzip, as an export with --gzip-files stores it, and a line that is not a resource.
        await GzipInPlaceAsync(Path.Combine(_folder, "Condition.000.ndjson"));
        await File.AppendAllTextAsync(Path.Combine(_folder, "Patient.000.ndjson"), "{not json\n");
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }

    [S3rverFact]
    public async Task FromStoreAsync_S3_SameResourcesInTheSameOrderAsTheFolder()
    {
        using var store = S3ObjectStoreTests.Create(s3rver, S3rver.Bucket, S3ObjectStoreTests.AccessKey, S3ObjectStoreTests.SecretKey, StoreContract.PartSize, new(), new());
        await SameAsFolderAsync(store, "s3://");
    }

    [AzuriteFact]
    public async Task FromStoreAsync_AzureBlob_SameResourcesInTheSameOrderAsTheFolder()
    {
        using var store = await AzureBlobObjectStoreTests.Create(azurite, StoreContract.PartSize, new CollectingLoggerFactory());
        await SameAsFolderAsync(store, "az://");
    }

    [S3rverFact]
    public async Task ShardPlan_S3_RangesOfLargeObjectsTogetherAreTheWholeInput()
    {
        using var store = S3ObjectStoreTests.Create(s3rver, S3rver.Bucket, S3ObjectStoreTests.AccessKey, S3ObjectStoreTests.SecretKey, StoreContract.PartSize, new(), new());
        await ShardsAreTheWholeAsync(store);
    }

    [AzuriteFact]
    public async Task ShardPlan_AzureBlob_RangesOfLargeObjectsTogetherAreTheWholeInput()
    {
        using var store = await AzureBlobObjectStoreTests.Create(azurite, StoreContract.PartSize, new CollectingLoggerFactory());
        await ShardsAreTheWholeAsync(store);
    }

    private async Task SameAsFolderAsync(ObjectStore store, string scheme)
    {
        await UploadAsync(store);
        var local = NdjsonSource.FromFolder(_folder);
        var remote = await NdjsonSource.FromStoreAsync(store);

        var expected = await ReadAsync(local);
        var actual = await ReadAsync(remote);

        Assert.Equal(local.Files.Select(f => (Path.GetFileName(f.Name), f.Length)), remote.Files.Select(f => (f.Name, f.Length)));
        Assert.Equal(expected, actual);
        var malformed = Assert.Single(remote.MalformedLines.Examples);
        Assert.StartsWith(scheme, malformed.SourceName, StringComparison.Ordinal);
        Assert.EndsWith("/Patient.000.ndjson", malformed.SourceName, StringComparison.Ordinal);
        Assert.Equal(Assert.Single(local.MalformedLines.Examples).LineNumber, malformed.LineNumber);
    }

    private async Task ShardsAreTheWholeAsync(ObjectStore store)
    {
        await UploadAsync(store);
        var whole = await ReadAsync(NdjsonSource.FromFolder(_folder));
        var plan = NdjsonShardPlan.Create(await NdjsonSource.FromStoreAsync(store), 3, unitBytes: 40_000);

        var fromShards = new List<string>();
        for (var shard = 0; shard < 3; shard++)
        {
            fromShards.AddRange(await ReadAsync(plan.SourceFor(shard)));
        }

        Assert.Contains(plan.Units, u => !u.IsWholeFile);
        Assert.DoesNotContain(plan.Units, u => u.File.Name.EndsWith(".gz", StringComparison.Ordinal) && !u.IsWholeFile);
        Assert.Equal(whole.Order(StringComparer.Ordinal), fromShards.Order(StringComparer.Ordinal));
    }

    /// <summary>Replaces <paramref name="file"/> by <c><paramref name="file"/>.gz</c>, its gzip.</summary>
    internal static async Task GzipInPlaceAsync(string file)
    {
        await using (var gzip = new GZipStream(File.Create(file + ".gz"), CompressionLevel.Fastest))
        {
            await using var plain = File.OpenRead(file);
            await plain.CopyToAsync(gzip);
        }

        File.Delete(file);
    }

    private async Task UploadAsync(ObjectStore store)
    {
        foreach (var file in Directory.GetFiles(_folder))
        {
            await using var content = File.OpenRead(file);
            await store.WriteAsync(Path.GetFileName(file), content);
        }

        // Below the prefix's own level, as an export's error/ folder: not input.
        await store.WriteAsync("error/OperationOutcome.000.ndjson", new MemoryStream("{\"resourceType\":\"OperationOutcome\"}\n"u8.ToArray()));
    }

    private static async Task<List<string>> ReadAsync(NdjsonSource source)
    {
        var lines = new List<string>();
        await foreach (var line in source.ReadAsync())
        {
            lines.Add($"{line.ResourceType}/{line.Id} {System.Text.Encoding.UTF8.GetString(line.Json.Span)}");
        }

        return lines;
    }
}
