namespace FhirBulk.Ndjson;

/// <summary>Passes reads through and shows each read's bytes to an observer: to count them for progress, or keep a gzip trailer.</summary>
internal sealed class ObservingStream(Stream inner, ObservingStream.Observer onRead, bool leaveOpen) : ReadOnlyStream
{
    /// <summary>Sees the bytes one read returned; they are valid only during the call.</summary>
    public delegate void Observer(ReadOnlySpan<byte> bytes);

    public override int Read(Span<byte> buffer)
    {
        int n = inner.Read(buffer);
        onRead(buffer[..n]);
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        onRead(buffer.Span[..n]);
        return n;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !leaveOpen)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (!leaveOpen)
        {
            await inner.DisposeAsync().ConfigureAwait(false);
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }
}
