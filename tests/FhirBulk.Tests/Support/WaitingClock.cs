using Microsoft.Extensions.Time.Testing;

namespace FhirBulk.Tests.Support;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that knows whether anything is waiting on one of its timers, so that a test can move
/// time on only while the code under test waits. A test that moves it on regardless races the code: on a busy thread pool
/// the clock can run minutes ahead while the code has not yet been scheduled, and a stall timeout then fires that the
/// code never earned.
/// </summary>
/// <remarks>
/// A <see cref="CancellationTokenSource"/>'s timer (<c>CancelAfter</c>, a timeout) is a deadline, not a wait: the code
/// arms it and carries on working (a download arms its stall deadline, then reads), so while it is armed the code may
/// be running, and moving time on then would let a deadline pass during work that takes no time on this clock. Such
/// timers run on the clock but do not count as waiting; code that waits on nothing but a deadline never finishes here.
/// </remarks>
internal sealed class WaitingClock(DateTimeOffset start) : FakeTimeProvider(start)
{
    // Held while a timer is marked waiting and armed, and while time is moved on: otherwise the clock can run on, step
    // after step, between a timer being marked and its being armed, and the timer then fires that much later than asked
    // (seen on a loaded machine: a download's stall deadline armed 114 s late, when deadlines still counted as waits).
    private readonly Lock _gate = new();
    private int _waiting;

    /// <summary>Whether a timer is set to fire that the code waits on (a delay, a retry's wait), not a deadline.</summary>
    public bool AnyoneWaiting => Volatile.Read(ref _waiting) > 0;

    /// <summary>
    /// Awaits <paramref name="task"/>, moving time on by <paramref name="step"/> each turn while something waits on this
    /// clock, and not at all while the code works, so that how busy the thread pool is never moves time.
    /// </summary>
    public async Task<T> RunUntilDoneAsync<T>(Task<T> task, TimeSpan step)
    {
        for (var turns = 0; !task.IsCompleted; turns++)
        {
            Assert.True(turns < 1_000_000, "the operation never finished");
            lock (_gate)
            {
                if (AnyoneWaiting)
                {
                    Advance(step);
                }
            }

            await Task.Yield();
        }

        return await task;
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (state is CancellationTokenSource)
        {
            return base.CreateTimer(callback, state, dueTime, period);
        }

        var timer = new Timer(this);
        lock (_gate)
        {
            // Set before the fake timer exists: it may fire at once, inside CreateTimer.
            timer.Set(dueTime, period);
            timer.Inner = base.CreateTimer(
                s =>
                {
                    timer.Fired();
                    callback(s);
                },
                state,
                dueTime,
                period);
        }

        return timer;
    }

    private sealed class Timer(WaitingClock clock) : ITimer
    {
        private readonly Lock _lock = new();
        private bool _waiting;
        private bool _periodic;

        public ITimer? Inner { get; set; }

        public void Set(TimeSpan dueTime, TimeSpan period)
        {
            lock (_lock)
            {
                _periodic = period != Timeout.InfiniteTimeSpan && period != TimeSpan.Zero;
                Mark(dueTime != Timeout.InfiniteTimeSpan);
            }
        }

        public void Fired()
        {
            lock (_lock)
            {
                if (!_periodic)
                {
                    Mark(false);
                }
            }
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (clock._gate)
            {
                Set(dueTime, period);
                return Inner!.Change(dueTime, period);
            }
        }

        public void Dispose()
        {
            lock (clock._gate)
            {
                Set(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                Inner?.Dispose();
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }

        private void Mark(bool waiting)
        {
            if (waiting != _waiting)
            {
                _waiting = waiting;
                Interlocked.Add(ref clock._waiting, waiting ? 1 : -1);
            }
        }
    }
}
