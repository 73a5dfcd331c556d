using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using FhirBulk.Export;
using Spectre.Console;

namespace FhirBulk.Cli.Rendering;

/// <summary>
/// Shows an export while it runs: on a terminal a status line and one bar per file; otherwise a
/// line per phase change, per status update (throttled) and per finished file; nothing with --json.
/// </summary>
internal static class ExportProgressView
{
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(2);

    public static async Task<T> RunAsync<T>(CliContext context, bool quiet, string title, Func<IProgress<ExportProgress>, Task<T>> export)
    {
        if (quiet)
        {
            return await export(new SyncProgress<ExportProgress>(_ => { })).ConfigureAwait(false);
        }

        if (!context.LiveProgress)
        {
            return await export(PlainLines(context.Out, title)).ConfigureAwait(false);
        }

        return await context.Out.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ExportAmountColumn(), new SpinnerColumn())
            .StartAsync(live => export(LiveBars(live, title))).ConfigureAwait(false);
    }

    private static SyncProgress<ExportProgress> PlainLines(IAnsiConsole console, string title)
    {
        var gate = new object();
        ExportPhase? phase = null;
        string? lastStatus = null;
        var lastStatusTime = 0L;
        return new SyncProgress<ExportProgress>(update =>
        {
            lock (gate)
            {
                if (update.Phase != phase)
                {
                    phase = update.Phase;
                    console.WriteLine(update.Phase switch
                    {
                        ExportPhase.KickedOff => $"{title}: kicked off",
                        ExportPhase.Polling => $"{title}: waiting for the server",
                        ExportPhase.Downloading => $"{title}: downloading {update.FilesTotal} file(s)",
                        _ => $"{title}: complete",
                    });
                }

                if (update.Phase == ExportPhase.Polling && update.Status?.Progress is { } progress
                    && progress != lastStatus && Stopwatch.GetElapsedTime(lastStatusTime) >= PlainInterval)
                {
                    lastStatus = progress;
                    lastStatusTime = Stopwatch.GetTimestamp();
                    console.WriteLine($"{title}: server says {progress}");
                }

                if (update.File is { Status: not ExportFileStatus.Pending } file)
                {
                    console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  [{update.FilesDone}/{update.FilesTotal}] {file.FileName} {file.Status.ToString().ToLowerInvariant()} ({file.BytesDownloaded:N0} bytes)"));
                }
            }
        });
    }

    private static SyncProgress<ExportProgress> LiveBars(ProgressContext live, string title)
    {
        var status = live.AddTask(Markup.Escape($"{title}: kicking off"), maxValue: 1);
        status.IsIndeterminate = true;
        var files = new ConcurrentDictionary<string, ProgressTask>(StringComparer.Ordinal);
        return new SyncProgress<ExportProgress>(update =>
        {
            status.Description = Markup.Escape(update.Phase switch
            {
                ExportPhase.KickedOff => $"{title}: kicked off",
                ExportPhase.Polling => $"{title}: server working{(update.Status?.Progress is { } p ? $" ({p})" : "")}",
                ExportPhase.Downloading => $"{title}: {update.FilesDone}/{update.FilesTotal} files",
                _ => $"{title}: complete",
            });
            if (update.Phase is ExportPhase.Downloading or ExportPhase.Complete && update.FilesTotal > 0)
            {
                status.IsIndeterminate = false;
                status.MaxValue = update.FilesTotal;
                status.Value = update.FilesDone;
            }

            if (update.File is { } file)
            {
                var task = files.GetOrAdd(file.FileName, name =>
                {
                    var added = live.AddTask(Markup.Escape($"  {name}"), maxValue: 1);
                    added.State.Update<bool>(ExportAmountColumn.IsFileKey, _ => true);
                    return added;
                });
                task.IsIndeterminate = file.TotalBytes is null && file.Status == ExportFileStatus.Pending;
                task.MaxValue = Math.Max(1, file.TotalBytes ?? file.BytesDownloaded);
                task.Value = file.BytesDownloaded;
                if (file.Status != ExportFileStatus.Pending)
                {
                    task.Value = task.MaxValue;
                    task.StopTask();
                }
            }

            if (update.Phase == ExportPhase.Complete)
            {
                status.Value = status.MaxValue;
                status.StopTask();
            }
        });
    }
}
