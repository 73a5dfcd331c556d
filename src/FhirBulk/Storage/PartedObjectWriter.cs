using System.Buffers;
using Microsoft.Extensions.Logging;

namespace FhirBulk.Storage;

/// <summary>
/// The buffering both cloud writers share: bytes fill one pooled buffer of the part size; a full buffer is sent as the next
/// part (S3 UploadPart, Azure StageBlock) before more is taken, so memory holds one part whatever the object's size. An
/// object smaller than one part is sent whole in one request (S3 PutObject, Azure Put Blob) at commit: both are atomic, so
/// the small case needs no multipart upload to abort. A write starts in a small buffer and takes a part buffer from its store's
/// <see cref="BufferPool"/> only once it outgrows it, so small objects (an export's state, saved every second) hold none.
/// </summary>
internal abstract class PartedObjectWriter : ObjectWriter
{
    private readonly ILogger logger;
    private readonly string described;
    private readonly BufferPool parts;
    private byte[]? buffer;
    private bool holdsPart;
    private int filled;
    private int partsSent;
    private bool failed;

    protected PartedObjectWriter(string name, string described, BufferPool parts, ILogger logger)
        : base(name)
    {
        this.described = described;
        this.logger = logger;
        this.parts = parts;
        buffer = ArrayPool<byte>.Shared.Rent(FirstBufferSize);
        PartSize = parts.BufferSize;
    }

    /// <summary>The buffer a write starts in: below the large object heap's 85,000 bytes, and far below the smallest part.</summary>
    internal const int FirstBufferSize = 64 * 1024;

    protected int PartSize { get; }

    /// <inheritdoc/>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        // Sync callers (a compressor, a Parquet writer) get the same bytes; a full part is sent synchronously.
        while (!buffer.IsEmpty)
        {
            var taken = Take(buffer);
            buffer = buffer[taken..];
            if (filled == PartSize)
            {
                SendBufferAsync(CancellationToken.None).GetAwaiter().GetResult();
            }
        }
    }

    /// <inheritdoc/>
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!buffer.IsEmpty)
        {
            var taken = Take(buffer.Span);
            buffer = buffer[taken..];
            if (filled == PartSize)
            {
                await SendBufferAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc/>
    public override async Task<StoredObject> CommitAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfUnusable();
        StoredObject written;
        try
        {
            if (partsSent == 0)
            {
                written = await PutWholeAsync(buffer.AsMemory(0, filled), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                if (filled > 0)
                {
                    await SendBufferAsync(cancellationToken).ConfigureAwait(false);
                }

                written = await CompletePartsAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            failed = true;
            throw;
        }

        IsCommitted = true;
        StorageLog.ObjectWritten(logger, described, BytesWritten, Math.Max(partsSent, 1));
        return written;
    }

    /// <summary>Sends one part; the first call starts the multipart upload.</summary>
    /// <param name="number">The part's number, from 1.</param>
    /// <param name="part">The part's bytes; the buffer is reused once the call returns.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    protected abstract Task SendPartAsync(int number, ReadOnlyMemory<byte> part, CancellationToken cancellationToken);

    /// <summary>Completes the upload of the parts sent so far, making the object visible.</summary>
    protected abstract Task<StoredObject> CompletePartsAsync(CancellationToken cancellationToken);

    /// <summary>Writes an object smaller than one part in one request.</summary>
    protected abstract Task<StoredObject> PutWholeAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>A part's bytes as the stream the SDKs take, over the writer's buffer without a copy.</summary>
    protected static MemoryStream Content(ReadOnlyMemory<byte> part) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(part, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(part.ToArray(), writable: false);

    /// <summary>The multipart upload's id once one is started (S3), for the log.</summary>
    protected abstract string? UploadId { get; }

    /// <inheritdoc/>
    public sealed override string? PendingUploadId => IsCommitted ? null : UploadId;

    /// <summary>Abandons a started upload; the cause of the abandon is being reported, so this is best effort and not cancellable.</summary>
    protected abstract Task AbortAsync();

    /// <inheritdoc/>
    public override async ValueTask DisposeAsync()
    {
        await AbandonAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            AbandonAsync().GetAwaiter().GetResult();
        }

        base.Dispose(disposing);
    }

    private async Task AbandonAsync()
    {
        if (buffer is null)
        {
            return;
        }

        if (!IsCommitted)
        {
            try
            {
                await AbortAsync().ConfigureAwait(false);
                StorageLog.WriteAbandoned(logger, described, BytesWritten);
            }
            catch (StorageException e)
            {
                StorageLog.AbortFailed(logger, described, UploadId ?? "-", e.Message);
            }
        }

        Release(buffer);
        buffer = null;
    }

    private void Release(byte[] released)
    {
        if (holdsPart)
        {
            parts.Return(released);
        }
        else
        {
            ArrayPool<byte>.Shared.Return(released);
        }
    }

    private int Take(ReadOnlySpan<byte> source)
    {
        ThrowIfUnusable();
        if (filled == buffer!.Length && !holdsPart)
        {
            // Outgrown: the object is larger than the first buffer, so it takes a part buffer (the last copy of its bytes).
            var part = parts.Rent();
            buffer.AsSpan(0, filled).CopyTo(part);
            Release(buffer);
            (buffer, holdsPart) = (part, true);
        }

        var taken = Math.Min(source.Length, buffer.Length - filled);
        source[..taken].CopyTo(buffer.AsSpan(filled));
        filled += taken;
        BytesWritten += taken;
        return taken;
    }

    private async Task SendBufferAsync(CancellationToken cancellationToken)
    {
        try
        {
            await SendPartAsync(partsSent + 1, buffer.AsMemory(0, filled), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // A part may be half sent; the only safe end is to abandon the write (dispose aborts it).
            failed = true;
            throw;
        }

        partsSent++;
        filled = 0;
    }

    private void ThrowIfUnusable()
    {
        ThrowIfCommitted();
        ObjectDisposedException.ThrowIf(buffer is null, this);
        if (failed)
        {
            throw new InvalidOperationException($"the write of {described} failed earlier; dispose the writer and start again");
        }
    }
}
