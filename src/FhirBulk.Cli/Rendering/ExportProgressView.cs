using System.Collections.Concurrent;
using System.Globalization;
using FhirBulk.Export;
using Spectre.Console;

namespace FhirBulk.Cli.Rendering;

/// <summary>
/// Shows an export while it runs: on a terminal a status bar and one bar per file, with rate and time remaining; otherwise a
/// line per phase change and per finished file, and a status line (bytes, rate, time left, or the server's X-Progress and
/// the next poll) whenever two seconds pass without one; nothing with --quiet or --json.
/// </summary>
internal static class ExportProgressView
{
    /// <summary>A log or CI step that shows nothing for longer looks hung (docs/cli.md promises a line at least this often).</summary>
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(2);

    // Ticks well inside the interval, so that a status line is due at most a tick late and still within it.
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);

    // resuming: a resume polls the job the folder recorded instead of kicking one off (unless that kick-off never got an answer).
    // waits: the client's wait notes, whose latest retry a status line names while no status has come yet.
    public static async Task<T> RunAsync<T>(CliContext context, bool quiet, string title, Func<IProgress<ExportProgress>, Task<T>> export, bool resuming = false, WaitNotes? waits = null)
    {
        if (quiet)
        {
            return await export(new SyncProgress<ExportProgress>(_ => { })).ConfigureAwait(false);
        }

        if (!context.LiveProgress)
        {
            var lines = new PlainLines(context.Out, context.TimeProvider, title, resuming, waits);
            using var timer = context.TimeProvider.CreateTimer(_ => lines.WriteStatusIfDue(), null, Tick, Tick);
            try
            {
                return await export(new SyncProgress<ExportProgress>(lines.Report)).ConfigureAwait(false);
            }
            finally
            {
                lines.Stop();
            }
        }

        return await context.Out.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(
                new TaskDescriptionColumn { Alignment = Justify.Left },
                new ProgressBarColumn(),
                new PercentageColumn(),
                new ExportAmountColumn(),
                new ExportAmountColumn.PerBar(new TransferSpeedColumn(), ExportAmountColumn.StatusRate),
                new ExportAmountColumn.PerBar(new RemainingTimeColumn(), ExportAmountColumn.StatusTimeLeft),
                new SpinnerColumn())
            .StartAsync(live => export(LiveBars(live, context.TimeProvider, title, resuming))).ConfigureAwait(false);
    }

    /// <summary>The plain-line view; updates come from download threads and status lines from a timer, so all of it is locked.</summary>
    private sealed class PlainLines(IAnsiConsole console, TimeProvider clock, string title, bool resuming, WaitNotes? waits)
    {
        private readonly Lock gate = new();
        private readonly DownloadTotals totals = new(clock);
        private readonly long started = clock.GetTimestamp();
        private ExportPhase? phase;
        private ExportStatus? status;
        private long polled;
        private long lastLine = clock.GetTimestamp();
        private int filesDone;
        private int filesTotal;
        private bool stopped;

        public void Report(ExportProgress update)
        {
            lock (gate)
            {
                if (update.Phase != phase)
                {
                    var previous = phase;
                    phase = update.Phase;
                    Write(update.Phase switch
                    {
                        ExportPhase.KickedOff => $"{title}: kicked off",
                        // A resume's first poll is of the job the folder recorded; after a kick-off it is of the new one.
                        ExportPhase.Polling when resuming && previous is null => $"{title}: polling the existing job",
                        ExportPhase.Polling => $"{title}: waiting for the server",
                        // A resume names only what is left; the first report may already count its file as done.
                        ExportPhase.Downloading => $"{title}: downloading {Counted.Of(update.FilesTotal - update.FilesDone + (update.File is { Status: not ExportFileStatus.Pending } ? 1 : 0), "file")}",
                        _ => $"{title}: complete",
                    });
                }

                if (update.Phase == ExportPhase.Polling)
                {
                    status = update.Status;
                    polled = clock.GetTimestamp();
                }

                if (update.Phase == ExportPhase.Downloading)
                {
                    filesDone = update.FilesDone;
                    filesTotal = update.FilesTotal;
                }

                if (update.File is { } file)
                {
                    totals.Update(file);
                    if (file.Status != ExportFileStatus.Pending)
                    {
                        Write(string.Create(CultureInfo.InvariantCulture,
                            $"  [{update.FilesDone}/{update.FilesTotal}] {file.FileName} {file.Status.ToString().ToLowerInvariant()} ({file.BytesDownloaded:N0} bytes)"));
                    }
                }
            }
        }

        /// <summary>Called by the timer: a status line when nothing was written for <see cref="PlainInterval"/> while the export waits or downloads.</summary>
        public void WriteStatusIfDue()
        {
            lock (gate)
            {
                if (stopped || clock.GetElapsedTime(lastLine) < PlainInterval - Tick)
                {
                    return;
                }

                if (phase == ExportPhase.Polling)
                {
                    var progress = status?.Progress is { } p ? $"server says {p}, " : "server working, ";
                    var next = status?.RetryAfter is { } wait && wait - clock.GetElapsedTime(polled) is var left && left > TimeSpan.Zero
                        ? string.Create(CultureInfo.InvariantCulture, $", next poll in {Math.Ceiling(left.TotalSeconds):0} s")
                        : "";
                    Write(string.Create(CultureInfo.InvariantCulture, $"{title}: {progress}{clock.GetElapsedTime(started).TotalSeconds:0} s elapsed{next}"));
                }
                else if (phase == ExportPhase.Downloading)
                {
                    Write($"{title}: {filesDone}/{filesTotal} files, {totals.Describe()}");
                }
                else if (phase is null or ExportPhase.KickedOff)
                {
                    // No status yet: the kick-off or the first poll is being retried (a server answering 429, say).
                    var retry = waits?.LastRetry is { } last
                        ? string.Create(CultureInfo.InvariantCulture, $" (last answer: {last.Wait.Answer}{NextTry(last.Wait.Delay - clock.GetElapsedTime(last.At))})")
                        : "";
                    Write(string.Create(CultureInfo.InvariantCulture, $"{title}: waiting for the server's answer, {clock.GetElapsedTime(started).TotalSeconds:0} s elapsed{retry}"));
                }
            }
        }

        private static string NextTry(TimeSpan left) =>
            left > TimeSpan.Zero ? string.Create(CultureInfo.InvariantCulture, $", next try in {Math.Ceiling(left.TotalSeconds):0} s") : "";

        /// <summary>Ends the status lines before the summary is printed (the timer may still fire once).</summary>
        public void Stop()
        {
            lock (gate)
            {
                stopped = true;
            }
        }

        private void Write(string line)
        {
            console.WriteLine(line);
            lastLine = clock.GetTimestamp();
        }
    }

    private static SyncProgress<ExportProgress> LiveBars(ProgressContext live, TimeProvider clock, string title, bool resuming)
    {
        var status = live.AddTask(Markup.Escape(resuming ? $"{title}: polling the existing job" : $"{title}: kicking off"), maxValue: 1);
        status.IsIndeterminate = true;
        var started = clock.GetTimestamp();
        var files = new ConcurrentDictionary<string, ProgressTask>(StringComparer.Ordinal);
        // The status bar counts files, so Spectre's own rate and time left would be in files, and mostly unknown: they come
        // from the bytes of all files instead, as tqdm shows them.
        var totals = new DownloadTotals(clock);
        return new SyncProgress<ExportProgress>(update =>
        {
            status.Description = Markup.Escape(update.Phase switch
            {
                ExportPhase.KickedOff => $"{title}: kicked off",
                ExportPhase.Polling => $"{title}: server working{(update.Status?.Progress is { } p ? $" ({p})" : "")}, "
                    + string.Create(CultureInfo.InvariantCulture, $"{clock.GetElapsedTime(started).TotalSeconds:0} s")
                    + (update.Status?.RetryAfter is { } wait ? string.Create(CultureInfo.InvariantCulture, $", polling every {wait.TotalSeconds:0} s") : ""),
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
                lock (totals)
                {
                    totals.Update(file);
                    status.State.Update<double>(ExportAmountColumn.RateKey, _ => totals.Rate);
                    status.State.Update<double>(ExportAmountColumn.SecondsLeftKey, _ => totals.Left?.TotalSeconds ?? -1);
                }

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

    /// <summary>Bytes, rate and time left over the files this run downloads (a resumed file's earlier bytes are not this run's rate).</summary>
    private sealed class DownloadTotals(TimeProvider clock)
    {
        private readonly Dictionary<string, (long First, long Now, long? Total)> files = new(StringComparer.Ordinal);
        private long started;

        public void Update(DownloadProgress file)
        {
            if (files.Count == 0)
            {
                started = clock.GetTimestamp();
            }

            var first = files.TryGetValue(file.FileName, out var known) ? known.First : file.BytesDownloaded;
            files[file.FileName] = (first, file.BytesDownloaded, file.TotalBytes);
        }

        /// <summary>Bytes per second moved by this run, over its whole download (steadier than the last second's).</summary>
        public double Rate
        {
            get
            {
                var seconds = files.Count == 0 ? 0 : clock.GetElapsedTime(started).TotalSeconds;
                return seconds > 0 ? files.Values.Sum(f => f.Now - f.First) / seconds : 0;
            }
        }

        /// <summary>The time left at <see cref="Rate"/>, when every file in flight said its size (files not started yet are not counted) and bytes are moving.</summary>
        public TimeSpan? Left => Total is { } total && Rate is var rate and > 0
            ? TimeSpan.FromSeconds(Math.Ceiling((total - files.Values.Sum(f => f.Now)) / rate))
            : null;

        private long? Total => files.Count > 0 && files.Values.All(f => f.Total is not null) ? files.Values.Sum(f => f.Total!.Value) : null;

        public string Describe()
        {
            var text = ExportAmountColumn.Size(files.Values.Sum(f => f.Now));
            if (Total is { } total)
            {
                text += $" of {ExportAmountColumn.Size(total)}";
            }

            text += $", {ExportAmountColumn.Size(Rate)}/s";
            return Left is { } left ? text + string.Create(CultureInfo.InvariantCulture, $", about {left.TotalSeconds:0} s left") : text;
        }
    }
}
