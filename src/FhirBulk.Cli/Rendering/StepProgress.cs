using System.Diagnostics;
using Spectre.Console;

namespace FhirBulk.Cli.Rendering;

/// <summary>One update of a long step: how far (0 to 1, or unknown) and what it is doing.</summary>
internal readonly record struct StepUpdate(double? Fraction, string Detail);

/// <summary>
/// Shows a long step: a live bar on a terminal, a start line, throttled update lines and a done
/// line otherwise (CI logs, pipes), nothing at all under <c>--json</c>.
/// </summary>
internal sealed class StepProgress(CliContext context, bool quiet)
{
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(2);

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
            var last = started;
            var result = await work(new SyncProgress<StepUpdate>(update =>
            {
                if (Stopwatch.GetElapsedTime(last) < PlainInterval)
                {
                    return;
                }

                last = Stopwatch.GetTimestamp();
                var percent = update.Fraction is { } f ? $"{f:P0} " : "";
                context.Out.WriteLine($"{title}: {percent}{update.Detail}");
            })).ConfigureAwait(false);
            context.Out.WriteLine(Done(result));
            return result;
        }

        var value = await context.Out.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new SpinnerColumn())
            .StartAsync(async live =>
            {
                var task = live.AddTask(Markup.Escape(title), maxValue: 1.0);
                task.IsIndeterminate = true;
                var result = await work(new SyncProgress<StepUpdate>(update =>
                {
                    task.IsIndeterminate = update.Fraction is null;
                    task.Value = update.Fraction ?? 0;
                    task.Description = Markup.Escape($"{title} {update.Detail}");
                })).ConfigureAwait(false);
                task.Value = 1.0;
                task.StopTask();
                return result;
            }).ConfigureAwait(false);
        context.Out.MarkupLineInterpolated($"[green]✓[/] {Done(value)}");
        return value;
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
