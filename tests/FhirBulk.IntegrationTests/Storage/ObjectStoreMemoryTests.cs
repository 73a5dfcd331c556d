using System.Collections.Concurrent;
using System.Globalization;
using FhirBulk.IntegrationTests.Support;
using FhirBulk.Storage;

namespace FhirBulk.IntegrationTests.Storage;

[CollectionDefinition(nameof(ObjectStoreMemoryTests), DisableParallelization = true)]
public sealed class ObjectStoreMemoryCollection;

/// <summary>
/// Memory stays flat in object size when writing to S3 or Azure Blob: the process's peak resident set (Linux VmHWM, reset first through
/// /proc/self/clear_refs) grows by about one part and the HTTP stack, not by the object. Run alone, so no other test's
/// memory is counted.
/// </summary>
[Collection(nameof(ObjectStoreMemoryTests))]
public sealed class ObjectStoreMemoryTests(S3rver s3rver, Azurite azurite) : IClassFixture<S3rver>, IClassFixture<Azurite>
{
    private const long ObjectSize = 200L * 1024 * 1024;

    // One 8 MiB part buffer, the SDK's and the runtime's working memory, and the GC's slack between collections: far below
    // the 200 MB a buffering writer would hold.
    private const long AllowedGrowth = 64L * 1024 * 1024;

    [S3rverLinuxFact]
    public async Task S3WriteAsync_200MBObject_PeakResidentMemoryGrowsByLessThan64MB()
    {
        using var store = S3ObjectStoreTests.Create(s3rver, S3rver.Bucket, S3ObjectStoreTests.AccessKey, S3ObjectStoreTests.SecretKey, StorageDefaults.PartSize, new ConcurrentQueue<(HttpMethod, string)>(), new CollectingLoggerFactory());

        await AssertFlat(store);
    }

    [AzuriteLinuxFact]
    public async Task AzureWriteAsync_200MBObject_PeakResidentMemoryGrowsByLessThan64MB()
    {
        using var store = await AzureBlobObjectStoreTests.Create(azurite, StorageDefaults.PartSize, new CollectingLoggerFactory());

        await AssertFlat(store);
    }

    private static async Task AssertFlat(ObjectStore store)
    {
        await store.WriteAsync("warm-up.bin", new GeneratedStream(StorageDefaults.PartSize + 1));
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        ResetPeak();
        var before = Status("VmRSS");

        var written = await store.WriteAsync("big.bin", new GeneratedStream(ObjectSize));

        var growth = Status("VmHWM") - before;
        Assert.Equal(ObjectSize, written.Size);
        Assert.Equal(ObjectSize, (await store.GetPropertiesAsync("big.bin"))!.Size);
        Assert.True(growth < AllowedGrowth, $"peak resident memory grew by {growth / (1024 * 1024)} MB writing {ObjectSize / (1024 * 1024)} MB to {store.Location}");
    }

    internal static string? ProcSkipReason =>
        File.Exists("/proc/self/clear_refs") ? null : "needs Linux's /proc/self/clear_refs to reset and read the peak resident memory";

    // Writing 5 to clear_refs resets the peak resident set size to the current one (proc(5), since Linux 4.0).
    private static void ResetPeak() => File.WriteAllText("/proc/self/clear_refs", "5");

    private static long Status(string field)
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }
}

/// <summary>A fact against s3rver that reads Linux's /proc memory figures; skipped with the reason elsewhere.</summary>
public sealed class S3rverLinuxFactAttribute : FactAttribute
{
    public S3rverLinuxFactAttribute() => Skip = S3rver.SkipReason ?? ObjectStoreMemoryTests.ProcSkipReason;
}

/// <summary>A fact against Azurite that reads Linux's /proc memory figures; skipped with the reason elsewhere.</summary>
public sealed class AzuriteLinuxFactAttribute : FactAttribute
{
    public AzuriteLinuxFactAttribute() => Skip = Azurite.SkipReason ?? ObjectStoreMemoryTests.ProcSkipReason;
}
