using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace FhirBulk.Cli.Rendering;

/// <summary>
/// The amount column of the export view: bytes for a file's bar, files for the status bar
/// (Spectre's DownloadedColumn would call the file count "bytes").
/// </summary>
internal sealed class ExportAmountColumn : ProgressColumn
{
    public const string IsFileKey = "fhir-bulk.is-file";

    protected override bool NoWrap => true;

    // Wide enough for "1023.9 KiB" and "999/999 files", so a narrow terminal shortens the description instead.
    public override int? GetColumnWidth(RenderOptions options) => 13;

    public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
    {
        if (!task.State.Get<bool>(IsFileKey))
        {
            return new Text(task.IsIndeterminate ? "" : string.Create(CultureInfo.InvariantCulture, $"{task.Value:0}/{task.MaxValue:0} files"));
        }

        return new Text(Size(task.Value));
    }

    public static string Size(double bytes) => bytes switch
    {
        >= 1 << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1 << 30):0.0} GiB"),
        >= 1 << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1 << 20):0.0} MiB"),
        >= 1 << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1 << 10):0.0} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes:0} B"),
    };

    /// <summary>The status bar's byte rate over all files (bytes per second), kept in its task state by the export view.</summary>
    public const string RateKey = "fhir-bulk.rate";

    /// <summary>The status bar's time left in seconds over all files, or below zero when it cannot be told yet.</summary>
    public const string SecondsLeftKey = "fhir-bulk.seconds-left";

    /// <summary>The status bar's rate, as the file bars show theirs.</summary>
    public static string StatusRate(ProgressTask task) =>
        task.State.Get<double>(RateKey) is var rate and > 0 ? $"{Size(rate)}/s" : "";

    /// <summary>The status bar's time left, as the file bars show theirs (<c>--:--:--</c> until it can be told).</summary>
    public static string StatusTimeLeft(ProgressTask task) =>
        task.IsFinished ? "" : task.State.Get<double>(SecondsLeftKey) is var seconds and >= 0
            ? TimeSpan.FromSeconds(seconds).ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture)
            : "--:--:--";

    /// <summary>Shows <paramref name="inner"/> on file bars, and <paramref name="status"/>'s text on the status bar, which counts files (Spectre's own would be in files).</summary>
    internal sealed class PerBar(ProgressColumn inner, Func<ProgressTask, string> status) : ProgressColumn
    {
        protected override bool NoWrap => true;

        public override int? GetColumnWidth(RenderOptions options) => inner.GetColumnWidth(options);

        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            task.State.Get<bool>(IsFileKey) ? inner.Render(options, task, deltaTime) : new Text(status(task));
    }
}
