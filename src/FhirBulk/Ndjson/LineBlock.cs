namespace FhirBulk.Ndjson;

/// <summary>
/// One read buffer whose resources a source lends in place rather than copying each out: the buffer, and the table of
/// its lines' top-level members (<see cref="TopLevelMembers"/>), held by the reader while it judges them and by every
/// consumer of a line handed out from it, and taken back by its <see cref="LineBlockPool"/> once the last of them
/// releases it. Until then no read writes into it, so a lent line's bytes stay as they were read.
/// </summary>
/// <remarks>
/// Only a consumer that knows when it is done with each line borrows (the table runner, once the line's rows are
/// written, and only for views that keep nothing of a line past its evaluation); any other consumer gets lines that own
/// their bytes. A hold never released (a run that stops early) costs nothing but the pool's reuse of the block.
/// </remarks>
internal sealed class LineBlock
{
    private readonly LineBlockPool _pool;
    private int _holds;

    internal LineBlock(LineBlockPool pool, int bufferSize)
    {
        _pool = pool;
        Buffer = GC.AllocateUninitializedArray<byte>(bufferSize);
    }

    /// <summary>The bytes read.</summary>
    public byte[] Buffer { get; }

    /// <summary>Room for the top-level members of the block's lines, as the reader sizes it (<see cref="EnsureMembers"/>).</summary>
    public byte[] Members { get; private set; } = [];

    /// <summary>Makes <see cref="Members"/> at least <paramref name="length"/> bytes long, keeping none of what it held.</summary>
    public byte[] EnsureMembers(int length)
    {
        if (Members.Length < length)
        {
            Members = GC.AllocateUninitializedArray<byte>(Math.Max(length, 2 * Members.Length));
        }

        return Members;
    }

    /// <summary>Adds a hold: one per line lent out, released by its consumer.</summary>
    public void Hold() => Interlocked.Increment(ref _holds);

    /// <summary>Releases a hold; the last one gives the block back to its pool.</summary>
    /// <exception cref="InvalidOperationException">The block had no hold left: a line was released twice.</exception>
    public void Release()
    {
        var left = Interlocked.Decrement(ref _holds);
        if (left == 0)
        {
            _pool.Return(this);
        }
        else if (left < 0)
        {
            throw new InvalidOperationException("A lent NDJSON line was released more often than it was held.");
        }
    }

    /// <summary>Readies a block taken from the pool: the taker holds it once.</summary>
    internal void Taken() => Volatile.Write(ref _holds, 1);
}

/// <summary>
/// The blocks of one read of a source: a block released by all its holders is reused by the next read, so a borrowing
/// run allocates as many as it ever has in flight at once, which its consumer bounds, and no more.
/// </summary>
/// <param name="bufferSize">Each block's buffer size in bytes.</param>
internal sealed class LineBlockPool(int bufferSize)
{
    private readonly Stack<LineBlock> _free = new();
    private readonly Lock _lock = new();

    /// <summary>A block held once by the caller.</summary>
    public LineBlock Rent()
    {
        LineBlock? block;
        lock (_lock)
        {
            _free.TryPop(out block);
        }

        block ??= new LineBlock(this, bufferSize);
        block.Taken();
        return block;
    }

    internal void Return(LineBlock block)
    {
        lock (_lock)
        {
            _free.Push(block);
        }
    }
}
