namespace FhirBulk.Storage;

/// <summary>
/// A write in progress: a write-only stream whose bytes become an object only at <see cref="CommitAsync"/>, all at once.
/// Until then nothing is visible under the name (an S3 multipart upload, staged Azure blocks, a local temporary file), and
/// disposing the writer without committing abandons the write: the multipart upload is aborted, the temporary file deleted.
/// </summary>
/// <remarks>Memory is flat in the object's size: at most one part (<see cref="ObjectStoreOptions.PartSize"/>) is buffered.</remarks>
public abstract class ObjectWriter : Stream
{
    private protected ObjectWriter(string name) => Name = name;

    /// <summary>The object's name, relative to its store's location.</summary>
    public string Name { get; }

    /// <summary>Bytes written so far.</summary>
    public long BytesWritten { get; private protected set; }

    /// <summary>
    /// The S3 multipart upload this write holds once its first part is sent, or <see langword="null"/> (no part sent yet, or a
    /// store whose unfinished writes hold nothing to abort). A caller that may be killed records it, so that the next run can
    /// abort the upload with <see cref="ObjectStore.AbortPendingUploadAsync"/> where the store cannot list pending uploads.
    /// </summary>
    public virtual string? PendingUploadId => null;

    /// <summary>Whether <see cref="CommitAsync"/> has made the object visible.</summary>
    public bool IsCommitted { get; private protected set; }

    /// <inheritdoc/>
    public sealed override bool CanRead => false;

    /// <inheritdoc/>
    public sealed override bool CanSeek => false;

    /// <inheritdoc/>
    public sealed override bool CanWrite => !IsCommitted;

    /// <inheritdoc/>
    public sealed override long Length => throw new NotSupportedException();

    /// <inheritdoc/>
    public sealed override long Position
    {
        get => BytesWritten;
        set => throw new NotSupportedException();
    }

    /// <summary>Sends what is left and makes the object visible under <see cref="Name"/>, replacing any object of that name.</summary>
    /// <param name="cancellationToken">Cancels the commit; the object is then not visible (or, if the store had already
    /// completed it, visible whole).</param>
    /// <returns>The object written.</returns>
    /// <exception cref="StorageException">The store refused the write.</exception>
    public abstract Task<StoredObject> CommitAsync(CancellationToken cancellationToken = default);

    /// <inheritdoc/>
    public sealed override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <inheritdoc/>
    public sealed override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public sealed override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc/>
    public sealed override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <inheritdoc/>
    public sealed override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>Nothing to flush: bytes are sent a part at a time, and made visible only by <see cref="CommitAsync"/>.</summary>
    public override void Flush()
    {
    }

    /// <summary>Throws when the writer can take no more bytes.</summary>
    private protected void ThrowIfCommitted()
    {
        if (IsCommitted)
        {
            throw new InvalidOperationException($"{Name} is already committed");
        }
    }
}
