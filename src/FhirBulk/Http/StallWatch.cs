namespace FhirBulk.Http;

/// <summary>
/// When the server last showed a sign of life (a response, a downloaded byte), shared by every request of a client, so
/// that retries stop once nothing has come for <c>StallTimeout</c> instead of each request and file spending its own
/// retry budget against a server that is gone.
/// </summary>
internal sealed class StallWatch(TimeProvider time, TimeSpan timeout)
{
    private long _lastTicks = time.GetUtcNow().UtcTicks;
    private int _stalled;

    public TimeSpan Timeout => timeout;

    /// <summary>True once a retry was refused for a stall, until the server shows life again: later files are not even tried.</summary>
    public bool HasStalled => Volatile.Read(ref _stalled) == 1;

    public void Touch()
    {
        Interlocked.Exchange(ref _lastTicks, time.GetUtcNow().UtcTicks);
        Volatile.Write(ref _stalled, 0);
    }

    /// <summary>How long is left before a request started at <paramref name="started"/> counts as stalled (zero or less: it is).</summary>
    /// <remarks>A client idle for an hour is not stalled the moment it sends again: the clock runs from the later of the two.</remarks>
    public TimeSpan Remaining(DateTimeOffset started) => LastSignOfLife(started) + timeout - time.GetUtcNow();

    /// <summary>Where the stall clock of a request started at <paramref name="started"/> runs from: its start, or the server's last sign of life after it.</summary>
    public DateTimeOffset LastSignOfLife(DateTimeOffset started)
    {
        var last = new DateTimeOffset(Interlocked.Read(ref _lastTicks), TimeSpan.Zero);
        return last > started ? last : started;
    }

    /// <summary>Whether to give up on a request started at <paramref name="started"/>; records the stall when so.</summary>
    public bool GiveUp(DateTimeOffset started)
    {
        if (Remaining(started) > TimeSpan.Zero)
        {
            return false;
        }

        Volatile.Write(ref _stalled, 1);
        return true;
    }
}
