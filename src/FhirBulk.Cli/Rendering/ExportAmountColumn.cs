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

    /// <summary>Shows <paramref name="inner"/> on file bars only: on the status bar, which counts files, a byte rate would be wrong.</summary>
    internal sealed class FilesOnly(ProgressColumn inner) : ProgressColumn
    {
        protected override bool NoWrap => true;

        public override int? GetColumnWidth(RenderOptions options) => inner.GetColumnWidth(options);

        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            task.State.Get<bool>(IsFileKey) ? inner.Render(options, task, deltaTime) : Text.Empty;
    }
}
