using System.Security.Cryptography;
using FhirBulk.Storage;

namespace FhirBulk.IntegrationTests.Storage;

/// <summary>
/// What every store must do, written once and run against each (local folder, s3rver, Azurite) by that store's test class,
/// so that the three implementations are held to the same behaviour.
/// </summary>
public static class StoreContract
{
    /// <summary>The smallest part size the options allow: objects of a few MB then take several parts.</summary>
    public const int PartSize = StorageDefaults.MinPartSize;

    public static ObjectStoreOptions Options() => new() { PartSize = PartSize };

    public static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    public static async Task MultiPartObjectReadsBackByteForByte(ObjectStore store)
    {
        var bytes = RandomBytes((2 * PartSize) + 123_457, seed: 1);

        var written = await store.WriteAsync("data/Patient.001.ndjson", new MemoryStream(bytes));

        Assert.Equal(bytes.Length, written.Size);
        Assert.Equal(bytes, await ReadAll(store, "data/Patient.001.ndjson"));
        Assert.Equal(bytes.Length, (await store.GetPropertiesAsync("data/Patient.001.ndjson"))!.Size);
    }

    /// <summary>A synchronous writer (a compressor, a Parquet library) gets the same object as an asynchronous one.</summary>
    public static async Task SynchronousWritesReadBackByteForByte(ObjectStore store)
    {
        var bytes = RandomBytes((2 * PartSize) + 77, seed: 9);
        await using (var writer = store.OpenWrite("sync.bin"))
        {
            for (var at = 0; at < bytes.Length; at += 1_000_000)
            {
                writer.Write(bytes, at, Math.Min(1_000_000, bytes.Length - at));
            }

            await writer.CommitAsync();
        }

        Assert.Equal(bytes, await ReadAll(store, "sync.bin"));
    }

    public static async Task SmallAndEmptyObjectsReadBackByteForByte(ObjectStore store)
    {
        var small = RandomBytes(1000, seed: 2);

        await store.WriteAsync("small.bin", new MemoryStream(small));
        await store.WriteAsync("empty.bin", new MemoryStream());

        Assert.Equal(small, await ReadAll(store, "small.bin"));
        Assert.Empty(await ReadAll(store, "empty.bin"));
        Assert.Equal(0, (await store.GetPropertiesAsync("empty.bin"))!.Size);
    }

    public static async Task WriteReplacesAnExistingObject(ObjectStore store)
    {
        await store.WriteAsync("state.json", new MemoryStream(RandomBytes(3000, seed: 3)));
        var second = RandomBytes(10, seed: 4);

        await store.WriteAsync("state.json", new MemoryStream(second));

        Assert.Equal(second, await ReadAll(store, "state.json"));
    }

    /// <summary>A move replaces the destination whole and leaves nothing under the source (nor, locally, its emptied folders).</summary>
    public static async Task MoveReplacesTheDestinationAndRemovesTheSource(ObjectStore store)
    {
        var moved = RandomBytes((2 * PartSize) + 5, seed: 11);
        await store.WriteAsync("lake/patients/part-00000-00000.parquet", new MemoryStream(RandomBytes(300, seed: 12)));
        await store.WriteAsync("lake/_staging/run-1/patients/part-00000-00000.parquet", new MemoryStream(moved));

        await store.MoveAsync("lake/_staging/run-1/patients/part-00000-00000.parquet", "lake/patients/part-00000-00000.parquet");

        Assert.Equal(moved, await ReadAll(store, "lake/patients/part-00000-00000.parquet"));
        Assert.Equal(["lake/patients/part-00000-00000.parquet"], await store.ListAsync("lake/").Select(o => o.Name).ToListAsync());
        if (store.Location.Kind == StorageKind.Local)
        {
            Assert.False(Directory.Exists(Path.Combine(store.Location.Path!, "lake", "_staging")));
        }

        var missing = await Assert.ThrowsAsync<StorageException>(() => store.MoveAsync("lake/_staging/run-1/gone.parquet", "lake/patients/gone.parquet"));
        Assert.Contains("gone.parquet", missing.Message, StringComparison.Ordinal);
    }

    public static async Task ListingUnderAPrefixFindsObjectsAtEveryDepthOnly(ObjectStore store)
    {
        foreach (var name in (string[])["a/1.ndjson", "a/b/2.ndjson", "ab/3.ndjson", "c/4.ndjson"])
        {
            await store.WriteAsync(name, new MemoryStream(RandomBytes(name.Length, seed: 5)));
        }

        Assert.Equal(["a/1.ndjson", "a/b/2.ndjson"], await Names(store, "a/"));
        Assert.Equal(["a/1.ndjson", "a/b/2.ndjson", "ab/3.ndjson"], await Names(store, "a"));
        Assert.Equal(["a/1.ndjson", "a/b/2.ndjson", "ab/3.ndjson", "c/4.ndjson"], await Names(store, ""));
        Assert.Empty(await Names(store, "zzz/"));
        var listed = await store.ListAsync("c/").SingleAsync();
        Assert.Equal("c/4.ndjson".Length, listed.Size);
        Assert.NotNull(listed.LastModified);
    }

    public static async Task RangeReadFromAnOffsetReadsTheRest(ObjectStore store)
    {
        var bytes = RandomBytes(PartSize + 4096, seed: 6);
        await store.WriteAsync("Observation.000.ndjson", new MemoryStream(bytes));

        foreach (var offset in (long[])[0, 1, PartSize - 1, PartSize + 17, bytes.Length - 1, bytes.Length])
        {
            await using var stream = await store.OpenReadAsync("Observation.000.ndjson", offset);
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            Assert.Equal(bytes.AsSpan((int)offset).ToArray(), copy.ToArray());
        }

        await Assert.ThrowsAsync<StorageException>(() => store.OpenReadAsync("Observation.000.ndjson", bytes.Length + 1));
    }

    /// <summary>Cancels a write after two parts have gone out; returns the exception for store-specific checks.</summary>
    public static async Task CancelledWriteLeavesNoVisibleObject(ObjectStore store)
    {
        using var cancellation = new CancellationTokenSource();
        var source = new GeneratedStream(3 * PartSize, cancelAt: (2 * PartSize) + 1000, cancellation);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.WriteAsync("cut/Patient.000.ndjson", source, cancellation.Token));

        Assert.True(source.BytesRead is > 2 * PartSize and < 3 * PartSize, "the write was cut after two parts had gone out, before the end");
        Assert.Null(await store.GetPropertiesAsync("cut/Patient.000.ndjson"));
        Assert.Empty(await Names(store, "cut/"));
    }

    public static async Task AbandonedWriterLeavesNoVisibleObject(ObjectStore store)
    {
        await using (var writer = store.OpenWrite("abandoned.ndjson"))
        {
            await writer.WriteAsync(RandomBytes(PartSize + 10, seed: 7));
        }

        Assert.Null(await store.GetPropertiesAsync("abandoned.ndjson"));
        Assert.Empty(await Names(store, "abandoned"));
    }

    public static async Task ObjectIsInvisibleUntilCommitted(ObjectStore store)
    {
        var bytes = RandomBytes((2 * PartSize) + 5, seed: 8);
        await using var writer = store.OpenWrite("lake/Patient/part-0.parquet");
        await writer.WriteAsync(bytes);

        Assert.Null(await store.GetPropertiesAsync("lake/Patient/part-0.parquet"));
        Assert.Empty(await Names(store, "lake/"));

        var committed = await writer.CommitAsync();

        Assert.Equal(bytes.Length, committed.Size);
        Assert.Equal(["lake/Patient/part-0.parquet"], await Names(store, "lake/"));
        Assert.Equal(bytes, await ReadAll(store, "lake/Patient/part-0.parquet"));
    }

    public static async Task DeleteRemovesAndToleratesMissing(ObjectStore store)
    {
        await store.WriteAsync("old.ndjson", new MemoryStream([1, 2, 3]));

        await store.DeleteAsync("old.ndjson");
        await store.DeleteAsync("old.ndjson");

        Assert.False(await store.ExistsAsync("old.ndjson"));
    }

    public static async Task MissingObjectIsNullAndFailsToOpenNamingIt(ObjectStore store)
    {
        Assert.Null(await store.GetPropertiesAsync("nothing/here.ndjson"));

        var failure = await Assert.ThrowsAsync<StorageException>(() => store.OpenReadAsync("nothing/here.ndjson"));

        Assert.Contains(store.Describe("nothing/here.ndjson"), failure.Message, StringComparison.Ordinal);
        Assert.Equal(store.Describe("nothing/here.ndjson"), failure.Location);
    }

    public static async Task<byte[]> ReadAll(ObjectStore store, string name, long offset = 0)
    {
        await using var stream = await store.OpenReadAsync(name, offset);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);
        return copy.ToArray();
    }

    public static async Task<string> Sha256(ObjectStore store, string name)
    {
        await using var stream = await store.OpenReadAsync(name);
        return Convert.ToHexString(await SHA256.HashDataAsync(stream));
    }

    public static async Task<List<string>> Names(ObjectStore store, string prefix) =>
        (await store.ListAsync(prefix).Select(o => o.Name).ToListAsync()).Order(StringComparer.Ordinal).ToList();
}

/// <summary>
/// Pseudo-random bytes generated as they are read (nothing held, so memory measured around it is the reader's), which can
/// cancel a token once <c>cancelAt</c> bytes have been read: the next read then throws, as a cancelled download would.
/// </summary>
internal sealed class GeneratedStream(long length, long cancelAt = long.MaxValue, CancellationTokenSource? cancellation = null) : FhirBulk.Ndjson.ReadOnlyStream
{
    private readonly Random random = new(42);

    public long BytesRead { get; private set; }

    public override int Read(Span<byte> buffer)
    {
        var count = (int)Math.Min(buffer.Length, length - BytesRead);
        random.NextBytes(buffer[..count]);
        BytesRead += count;
        if (BytesRead >= cancelAt)
        {
            cancellation?.Cancel();
        }

        return count;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Read(buffer.Span));
    }
}
