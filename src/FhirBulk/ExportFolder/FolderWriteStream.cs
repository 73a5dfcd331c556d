namespace FhirBulk.ExportFolder;

/// <summary>
/// A file being written in an export folder whose write failures (disk full, a file-size limit) surface as an
/// <see cref="ExportFolderException"/> naming the file and the free space: an <see cref="IOException"/> from here would
/// otherwise look like a cut connection to the download's retry policy.
/// </summary>
internal sealed class FolderWriteStream(string folder, string path, FileStream inner) : Stream
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

    public override void SetLength(long value) => FolderIo.Write(folder, path, () => inner.SetLength(value));

    public override void Write(byte[] buffer, int offset, int count) => FolderIo.Write(folder, path, () => inner.Write(buffer, offset, count));

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw FolderIo.Failure(folder, path, exception);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => FolderIo.Write(folder, path, inner.Flush);

    public override Task FlushAsync(CancellationToken cancellationToken) => FolderIo.WriteAsync(folder, path, () => inner.FlushAsync(cancellationToken));

    /// <summary>Flushes through the operating system's cache to the disk.</summary>
    public void FlushToDisk() => FolderIo.Write(folder, path, () => inner.Flush(flushToDisk: true));

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
