using FhirBulk.ExportFolder;
using Microsoft.Extensions.Logging;

namespace FhirBulk.Storage;

/// <summary>A local write: bytes go to a temporary file beside the target, renamed over it at commit.</summary>
internal sealed class LocalObjectWriter(string name, string path, string temporary, FileStream stream, ILogger logger) : ObjectWriter(name)
{
    private bool disposed;

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ThrowIfCommitted();
        try
        {
            stream.Write(buffer);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw LocalObjectStore.WriteFailure(path, e);
        }

        BytesWritten += buffer.Length;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ThrowIfCommitted();
        try
        {
            await stream.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw LocalObjectStore.WriteFailure(path, e);
        }

        BytesWritten += buffer.Length;
    }

    public override async Task<StoredObject> CommitAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfCommitted();
        ObjectDisposedException.ThrowIf(disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);

            // Through the operating system's cache: a crash after the rename must not leave an empty or short file.
            stream.Flush(flushToDisk: true);
            await stream.DisposeAsync().ConfigureAwait(false);
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw LocalObjectStore.WriteFailure(path, e);
        }

        IsCommitted = true;
        StorageLog.ObjectWritten(logger, path, BytesWritten, 1);
        var file = new FileInfo(path);
        return new StoredObject(Name, file.Length, new DateTimeOffset(file.LastWriteTimeUtc, TimeSpan.Zero), ETag: null);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !disposed)
        {
            disposed = true;
            stream.Dispose();
            if (!IsCommitted)
            {
                FolderIo.DeleteQuietly(temporary);
                StorageLog.WriteAbandoned(logger, path, BytesWritten);
            }
        }

        base.Dispose(disposing);
    }
}
