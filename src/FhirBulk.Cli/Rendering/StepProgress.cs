using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace FhirBulk.Cli.Rendering;

/// <summary>One update of a long step: how far (0 to 1, or unknown), what it is doing and, when it reads input, the bytes read so far (for a rate).</summary>
internal readonly record struct StepUpdate(double? Fraction, string Detail, long? Bytes = null);

/// <summary>
/// Shows a long step: a live bar on a terminal, a start line, throttled update lines and a done
/// line otherwise (CI logs, pipes), nothing at all under <c>--json</c>.
/// </summary>
internal sealed class StepProgress(CliContext context, bool quiet)
{
    /// <summary>A log or CI step that shows nothing for longer looks hung (docs/cli.md promises a line at least this often).</summary>
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(2);

    // Ticks well inside the interval (as ExportProgressView).
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);

    // A line is due two ticks early: a step often blocks a thread in a read, and a late timer still keeps within the interval.
    private static readonly TimeSpan Due = PlainInterval - (2 * Tick);

    public async Task<T> RunAsync<T>(string title, Func<IProgress<StepUpdate>, Task<T>> work, Func<T, string>? summary = null)
    {
        var started = Stopwatch.GetTimestamp();
        string Done(T result) =>
            $"{title}: {(summary is null ? "done" : summary(result))} ({Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s)";

        if (quiet)
        {
            return await work(new Progress<StepUpdate>(_ => { })).ConfigureAwait(false);
        }

        if (!context.LiveProgress)
        {
            context.Out.WriteLine($"{title} ...");
            var lines = new PlainLines(context.Out, context.TimeProvider, title);
            T result;
            using (context.TimeProvider.CreateTimer(_ => lines.WriteIfDue(), null, Tick, Tick))
            {
                try
                {
                    result = await work(new SyncProgress<StepUpdate>(lines.Report)).ConfigureAwait(false);
                }
                finally
                {
                    lines.Stop();
                }
            }

            context.Out.WriteLine(Done(result));
            return result;
        }

        var value = await context.Out.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async live =>
            {
                var task = live.AddTask(Markup.Escape(title), maxValue: 1.0);
                task.IsIndeterminate = true;
                var result = await work(new SyncProgress<StepUpdate>(update =>
                {
                    task.IsIndeterminate = update.Fraction is null;
                    task.Value = update.Fraction ?? 0;
                    task.Description = Markup.Escape($"{title} {update.Detail}{Rate(update, Stopwatch.GetElapsedTime(started))}");
                })).ConfigureAwait(false);
                task.Value = 1.0;
                task.StopTask();
                return result;
            }).ConfigureAwait(false);
        context.Out.MarkupLineInterpolated($"[green]✓[/] {Done(value)}");
        return value;
    }

    /// <summary>
    /// The plain-line view: the last update is written whenever <see cref="PlainInterval"/> passes without a line, whether or not
    /// a new update arrived (a step stuck on one large input still shows it is alive); updates and the timer are locked apart.
    /// </summary>
    private sealed class PlainLines(IAnsiConsole console, TimeProvider clock, string title)
    {
        private readonly Lock gate = new();
        private readonly long started = clock.GetTimestamp();
        private long lastLine = clock.GetTimestamp();
        private StepUpdate? last;
        private bool stopped;

        public void Report(StepUpdate update)
        {
            lock (gate)
            {
                last = update;
            }

            WriteIfDue();
        }

        /// <summary>Called by each update and by the timer.</summary>
        public void WriteIfDue()
        {
            lock (gate)
            {
                if (stopped || clock.GetElapsedTime(lastLine) < Due)
                {
                    return;
                }

                var elapsed = clock.GetElapsedTime(started);
                var line = last is { } update
                    ? $"{title}: {(update.Fraction is { } f ? $"{f:P0} " : "")}{update.Detail}{Rate(update, elapsed)}"
                    : string.Create(CultureInfo.InvariantCulture, $"{title}: working, {elapsed.TotalSeconds:0} s elapsed");
                console.WriteLine(line);
                lastLine = clock.GetTimestamp();
            }
        }

        /// <summary>Ends the lines before the done line is printed (the timer may still fire once).</summary>
        public void Stop()
        {
            lock (gate)
            {
                stopped = true;
            }
        }
    }

    /// <summary>", 12.3 MB read, 4.1 MB/s, about 9 s left" as far as the update tells.</summary>
    private static string Rate(StepUpdate update, TimeSpan elapsed)
    {
        if (update.Bytes is not { } bytes || elapsed <= TimeSpan.Zero)
        {
            return "";
        }

        var text = string.Create(CultureInfo.InvariantCulture, $", {bytes / 1e6:0.0} MB read, {bytes / 1e6 / elapsed.TotalSeconds:0.0} MB/s");
        return update.Fraction is > 0 and < 1 and var fraction
            ? text + string.Create(CultureInfo.InvariantCulture, $", about {Math.Ceiling(elapsed.TotalSeconds * (1 - fraction) / fraction):0} s left")
            : text;
    }
}

/// <summary>
/// Calls back on the reporting thread. <see cref="Progress{T}"/> would post to the thread pool,
/// so a final update could arrive after the step's done line.
/// </summary>
internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
