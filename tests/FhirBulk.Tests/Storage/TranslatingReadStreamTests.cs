using FhirBulk.Storage;

namespace FhirBulk.Tests.Storage;

public sealed class TranslatingReadStreamTests
{
    [Fact]
    public async Task ReadAsync_FailureTheStoreTranslates_ThrowsItsStorageException()
    {
        var translated = new StorageException("s3://b/p/x.ndjson", "s3://b/p/x.ndjson: damaged");
        using var stream = new TranslatingReadStream(new FailingStream(new InvalidDataException("hash")), e => e is InvalidDataException ? translated : null);

        var failure = await Assert.ThrowsAsync<StorageException>(() => stream.CopyToAsync(Stream.Null));

        Assert.Same(translated, failure);
    }

    [Fact]
    public void Read_FailureTheStoreTranslates_ThrowsItsStorageException()
    {
        var translated = new StorageException("s3://b/p/x.ndjson", "s3://b/p/x.ndjson: damaged");
        using var stream = new TranslatingReadStream(new FailingStream(new InvalidDataException("hash")), e => e is InvalidDataException ? translated : null);

        Assert.Same(translated, Assert.Throws<StorageException>(() => stream.ReadByte()));
    }

    [Fact]
    public async Task ReadAsync_CutConnectionTheStoreLeaves_IOExceptionUnchangedSoADownloadRetries()
    {
        var cut = new IOException("connection reset");
        using var stream = new TranslatingReadStream(new FailingStream(cut), e => e is InvalidDataException ? new StorageException("x", "x") : null);

        Assert.Same(cut, await Assert.ThrowsAsync<IOException>(() => stream.CopyToAsync(Stream.Null)));
    }

    [Fact]
    public async Task ReadAsync_NoFailure_PassesTheBytesThroughAndDisposesTheInnerStream()
    {
        var inner = new MemoryStream([1, 2, 3]);
        var stream = new TranslatingReadStream(inner, _ => null);
        var copy = new MemoryStream();

        await stream.CopyToAsync(copy);
        await stream.DisposeAsync();

        Assert.Equal([1, 2, 3], copy.ToArray());
        Assert.False(inner.CanRead);
    }

    /// <summary>A stream whose reads throw <paramref name="failure"/>, as an SDK's response stream does on a bad checksum.</summary>
    private sealed class FailingStream(Exception failure) : MemoryStream
    {
        public override int Read(Span<byte> buffer) => throw failure;

        public override int Read(byte[] buffer, int offset, int count) => throw failure;

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => throw failure;

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => throw failure;
    }
}
