using System.Collections.Concurrent;
using System.Security.Cryptography;
using FhirBulk.IntegrationTests.Support;
using FhirBulk.Ndjson;
using FhirBulk.Server;
using FhirBulk.Sinks.Parquet;
using FhirBulk.Tables;
using FhirBulk.Views;

namespace FhirBulk.IntegrationTests.Storage;

/// <summary>
/// A lake built from NDJSON in S3 (s3rver) downloads each input once: the run record's SHA-256 of every unit comes from
/// the read that fed the views, not from a second pass over the bucket, and is still the hash of the unit's stored bytes.
/// </summary>
public sealed class LakeFromStoreReadOnceTests(S3rver s3rver) : IClassFixture<S3rver>, IAsyncLifetime
{
    private readonly string _work = Directory.CreateTempSubdirectory("fhirbulk-lake-read-once-").FullName;

    private string Input => Path.Combine(_work, "input");

    public async Task InitializeAsync()
    {
        await PopulationGenerator.GenerateAsync(Input, patients: 30, seed: 19);

        // One type as gzip: a gzip object is one unit, hashed as stored (compressed).
        await NdjsonSourceFromStoreTests.GzipInPlaceAsync(Path.Combine(Input, "Condition.000.ndjson"));
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_work, recursive: true);
        return Task.CompletedTask;
    }

    [S3rverFact]
    public async Task LakeRun_InputInS3_OneGetPerUnitAndRecordHashesThoseOfTheLocalBytes()
    {
        var requests = new ConcurrentQueue<(HttpMethod Method, string PathAndQuery)>();
        using var store = S3ObjectStoreTests.Create(s3rver, S3rver.Bucket, S3ObjectStoreTests.AccessKey, S3ObjectStoreTests.SecretKey, StoreContract.PartSize, requests, new CollectingLoggerFactory());
        foreach (var file in Directory.GetFiles(Input))
        {
            await using var content = File.OpenRead(file);
            await store.WriteAsync(Path.GetFileName(file), content);
        }

        IReadOnlyList<ICompiledView> views = ViewDefinitionLoader.Load(CliProcess.WorkshopViews);
        var plan = NdjsonShardPlan.Create(await NdjsonSource.FromStoreAsync(store), 1, unitBytes: 40_000, views.Select(v => v.Schema.Resource));
        // Planning peeks at large objects' first bytes (gzip or not); what follows is the run's own reading.
        requests.Clear();
        var lake = Path.Combine(_work, "lake");
        await using (var sink = new ParquetLakeSink(lake, new ParquetLakeOptions { Plan = plan }))
        {
            await new FhirTables().RunAsync(plan.SourceFor(0), views, sink);
        }

        Assert.Contains(plan.Units, u => !u.IsWholeFile);
        Assert.Contains(plan.Units, u => u.File.Name.EndsWith(".gz", StringComparison.Ordinal));
        var gets = requests.Where(r => r.Method == HttpMethod.Get).Select(r => r.PathAndQuery).ToList();
        foreach (var group in plan.Units.GroupBy(u => u.File.Name))
        {
            Assert.True(group.Count() == gets.Count(g => g.Split('?')[0].EndsWith("/" + group.Key, StringComparison.Ordinal)), $"{group.Key}: {group.Count()} units, GETs: {string.Join(", ", gets)}");
        }

        var run = ParquetLakeRun.Read(Directory.GetFiles(Path.Combine(lake, ParquetLake.RunsFolderName)).Single());
        Assert.Equal(plan.Units.Count, run.Inputs.Count);
        foreach (var input in run.Inputs)
        {
            var bytes = await File.ReadAllBytesAsync(Path.Combine(Input, input.Path[(input.Path.LastIndexOf('/') + 1)..]));
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes.AsSpan((int)input.Start, (int)input.Length))), input.Sha256);
        }
    }
}
