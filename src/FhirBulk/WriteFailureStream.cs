namespace FhirBulk;

/// <summary>
/// A file being written whose write failures (disk full, a file-size limit) surface as the exception
/// <paramref name="failure"/> makes, naming the file the user knows and the free space (<see cref="FileWrites.Describe"/>):
/// an <see cref="IOException"/> from an export's download would otherwise look like a cut connection to its retry
/// policy, and one from a table output would name the temporary file.
/// </summary>
internal sealed class WriteFailureStream(FileStream inner, Func<Exception, Exception> failure) : Stream
{
    public override bool CanRead => inner.CanRead;

    public override bool CanSeek => inner.CanSeek;

    public override bool CanWrite => inner.CanWrite;

    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set => inner.Position = value;
    }

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

    public override void SetLength(long value) => FileWrites.Run(() => inner.SetLength(value), failure);

    public override void Write(byte[] buffer, int offset, int count) => FileWrites.Run(() => inner.Write(buffer, offset, count), failure);

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (FileWrites.IsFailure(exception))
        {
            throw failure(exception);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => FileWrites.Run(inner.Flush, failure);

    public override Task FlushAsync(CancellationToken cancellationToken) => FileWrites.RunAsync(() => inner.FlushAsync(cancellationToken), failure);

    /// <summary>Flushes through the operating system's cache to the disk.</summary>
    public void FlushToDisk() => FileWrites.Run(() => inner.Flush(flushToDisk: true), failure);

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
