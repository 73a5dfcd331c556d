using System.Diagnostics.Tracing;

namespace FhirBulk.Tests.Export;

/// <summary>Tests that count large-object-heap allocations run alone: the runtime's allocation events are the whole process's.</summary>
[CollectionDefinition(nameof(LargeObjectAllocations), DisableParallelization = true)]
public sealed class LargeObjectAllocationsCollection;

/// <summary>
/// Counts the bytes allocated on the large object heap (arrays of 85,000 bytes and more) while an action runs, from the
/// runtime's GC AllocationTick events: one each time about 100 KB more has been allocated there, carrying the amount since
/// the previous one. Such arrays are freed only by full collections, which a process streaming data seldom triggers, so
/// what an export allocates there per file or per save is memory it holds (issue 13).
/// </summary>
internal sealed class LargeObjectAllocations : EventListener
{
    private const string RuntimeSource = "Microsoft-Windows-DotNETRuntime";
    private const long GcKeyword = 0x1;
    private const uint LargeObjectHeap = 1;

    // An allocation of an unusual size marks a point in the event stream: events reach a listener on another thread, later.
    // Each marker has its own size (a step apart), so the last one made can be told from an earlier one.
    private const int MarkerLength = 1_234_567;
    private const int MarkerStep = 4096;
    private const int MaxMarkers = 100;

    private readonly SemaphoreSlim markerSeen = new(0);
    private int lastMarkerMade = -1;
    private int lastMarkerSeen = -1;
    private long counted;
    private bool counting;

    /// <summary>The bytes <paramref name="action"/> allocated on the large object heap, to within one event's 100 KB.</summary>
    public static async Task<long> MeasureAsync(Func<Task> action)
    {
        using var listener = new LargeObjectAllocations();
        await listener.MarkAsync();
        Volatile.Write(ref listener.counting, true);
        await action();
        await listener.MarkAsync();
        return Interlocked.Read(ref listener.counted);
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == RuntimeSource)
        {
            EnableEvents(eventSource, EventLevel.Verbose, (EventKeywords)GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) != true || eventData.Payload is not { } payload || eventData.PayloadNames is not { } names)
        {
            return;
        }

        if (Convert.ToUInt32(payload[names.IndexOf("AllocationKind")], System.Globalization.CultureInfo.InvariantCulture) != LargeObjectHeap)
        {
            return;
        }

        var amount = Convert.ToInt64(payload[names.IndexOf("AllocationAmount64")], System.Globalization.CultureInfo.InvariantCulture);
        var size = names.IndexOf("ObjectSize") is var at and >= 0 ? Convert.ToInt64(payload[at], System.Globalization.CultureInfo.InvariantCulture) : 0;
        var marker = size >= MarkerLength && size < MarkerLength + (MaxMarkers * MarkerStep) && (size - MarkerLength) % MarkerStep < 64;
        if (Volatile.Read(ref counting))
        {
            Interlocked.Add(ref counted, marker ? amount - size : amount);
        }

        if (marker)
        {
            Volatile.Write(ref lastMarkerSeen, (int)((size - MarkerLength) / MarkerStep));
            markerSeen.Release();
        }
    }

    public override void Dispose()
    {
        base.Dispose();
        markerSeen.Dispose();
    }

    /// <summary>Allocates a marker and waits until its event arrives, so that every event raised before it has been seen.</summary>
    private async Task MarkAsync()
    {
        // Events start flowing a moment after the listener enables them, and a marker raised before then is never seen:
        // mark again with the next size until the last marker made arrives. Events arrive in order, so none is still to come.
        while (lastMarkerMade + 1 < MaxMarkers)
        {
            lastMarkerMade++;
            GC.KeepAlive(new byte[MarkerLength + (lastMarkerMade * MarkerStep)]);
            var waited = 0;
            while (Volatile.Read(ref lastMarkerSeen) != lastMarkerMade && waited++ < 4)
            {
                await markerSeen.WaitAsync(TimeSpan.FromMilliseconds(100));
            }

            if (Volatile.Read(ref lastMarkerSeen) == lastMarkerMade)
            {
                return;
            }
        }

        throw new InvalidOperationException("the runtime's GC allocation events never arrived");
    }
}
