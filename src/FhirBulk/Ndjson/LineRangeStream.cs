namespace FhirBulk.Ndjson;

/// <summary>
/// The lines of a byte range of an uncompressed file, by the rule of <see cref="NdjsonShardUnit"/>: from after the first
/// newline at or after the start (from the start itself at byte 0) through the first newline at or after the end.
/// </summary>
internal sealed class LineRangeStream : ReadOnlyStream
{
    private readonly Stream _inner;
    private readonly long _start;
    private readonly long _end;
    private long _position;
    private bool _positioned;
    private bool _done;

    // Bytes read past the skipped line while looking for its end: the range's first, handed out before reading on.
    private byte[] _pending = [];
    private int _pendingAt;

    /// <param name="inner">
    /// The file, positioned at <paramref name="start"/> (a file opened and moved there, or an object read from that
    /// offset): it is only read forward, so a range of an object in a store costs one ranged read. Disposed with this stream.
    /// </param>
    /// <param name="start">The range's nominal first byte.</param>
    /// <param name="end">The range's nominal end (exclusive).</param>
    public LineRangeStream(Stream inner, long start, long end)
    {
        _inner = inner;
        _start = start;
        _end = end;
        _position = start;
    }

    public override int Read(Span<byte> buffer) => throw new NotSupportedException("Read asynchronously.");

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!_positioned)
        {
            _positioned = true;
            await SkipToFirstLineAsync(buffer, cancellationToken).ConfigureAwait(false);
        }

        if (_done || buffer.IsEmpty)
        {
            return 0;
        }

        int read;
        if (_pendingAt < _pending.Length)
        {
            read = Math.Min(buffer.Length, _pending.Length - _pendingAt);
            _pending.AsSpan(_pendingAt, read).CopyTo(buffer.Span);
            _pendingAt += read;
        }
        else
        {
            read = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }

        if (read == 0)
        {
            _done = true;
            return 0;
        }

        // Bytes at or past the end are the rest of the range's last line: up to and with its newline.
        long chunkStart = _position;
        _position += read;
        if (_position > _end)
        {
            int from = (int)Math.Max(0, _end - chunkStart);
            int newline = buffer.Span[from..read].IndexOf((byte)'\n');
            if (newline >= 0)
            {
                _done = true;
                return from + newline + 1;
            }
        }

        return read;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Moves past the line the previous range finishes: through the first newline at or after the start.</summary>
    private async Task SkipToFirstLineAsync(Memory<byte> scratch, CancellationToken cancellationToken)
    {
        if (_start == 0)
        {
            return;
        }

        while (true)
        {
            int read = await _inner.ReadAsync(scratch, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                _done = true;
                return;
            }

            int newline = scratch.Span[..read].IndexOf((byte)'\n');
            if (newline < 0)
            {
                _position += read;
                continue;
            }

            long next = _position + newline + 1;
            // A newline past the end closes the previous range's last line, and no line starts in this range.
            _done = next > _end;
            _position = next;
            _pending = scratch.Span[(newline + 1)..read].ToArray();
            return;
        }
    }
}
