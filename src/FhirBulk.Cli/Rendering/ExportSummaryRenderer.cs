using System.Globalization;
using FhirBulk.Export;
using Spectre.Console;

namespace FhirBulk.Cli.Rendering;

/// <summary>The summary table printed after an export, and its --json form.</summary>
internal static class ExportSummaryRenderer
{
    public static ExportJson Json(ExportResult result) => new(
        result.Directory,
        result.Outcome,
        result.Manifest.TransactionTime,
        result.StatusUrl,
        result.ResourcesByType,
        result.TotalResources,
        result.TotalBytes,
        result.Files.Count(f => f.Kind == ExportFileKind.Error),
        result.Files.Sum(f => f.InvalidLines),
        result.CountMismatches.Select(f => new ExportJson.FileCountMismatch(f.Type, f.FileName, f.DeclaredCount, f.Resources)),
        result.ServerIssues,
        result.Repaired.Select(r => new FileProblemJson(r.FileName, r.Problem)),
        result.Files.Select(f => new ExportJson.ExportFileJson(
            f.FileName, f.Kind, f.Type, f.Status, f.Resources, f.Bytes, f.Sha256, f.StoredBytes, f.StoredSha256, f.Issues)),
        Math.Round(result.Duration.TotalSeconds, 3),
        Math.Round(result.RunDuration.TotalSeconds, 3),
        result.JobDeleted);

    /// <summary>
    /// The error files' OperationOutcomes and their issues by severity (an outcome can hold several issues, so the two
    /// counts are told apart); only errors and fatal issues are shown as a problem (they make the export partial).
    /// </summary>
    internal static string ServerIssues(IReadOnlyDictionary<string, long> issues, long outcomes, string problemColour = "yellow")
    {
        var parts = new[] { ErrorFileIssues.Fatal, ErrorFileIssues.Error, ErrorFileIssues.Warning, ErrorFileIssues.Information }
            .Where(issues.ContainsKey)
            .Select(severity => $"{severity} {issues[severity].ToString("N0", CultureInfo.InvariantCulture)}")
            .ToList();
        var text = Markup.Escape($"{Counted.Of(outcomes, "OperationOutcome")} in error/ (issues: {string.Join(", ", parts)})");
        return ErrorFileIssues.AnyFailure(issues) ? $"[{problemColour}]{text}[/]" : text;
    }

    public static void Write(IAnsiConsole console, ExportResult result, bool resumed = false)
    {
        static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("Type").AddColumn(new TableColumn("Files").RightAligned())
            .AddColumn(new TableColumn("Resources").RightAligned()).AddColumn(new TableColumn("Bytes").RightAligned());
        foreach (var type in result.Files.Where(f => f.Kind == ExportFileKind.Output).GroupBy(f => f.Type, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            table.AddRow(Markup.Escape(type.Key), N(type.Count()), N(type.Sum(f => f.Resources)), N(type.Sum(f => f.Bytes)));
        }

        // The rows are output files, so the total is theirs: the error files' bytes would make it disagree with them.
        var outputs = result.Files.Where(f => f.Kind == ExportFileKind.Output).ToList();
        table.AddRow("[bold]Total[/]", N(outputs.Count), $"[bold]{N(result.TotalResources)}[/]", N(outputs.Sum(f => f.Bytes)));
        console.Write(table);

        var errors = result.Files.Where(f => f.Kind == ExportFileKind.Error).ToList();
        var invalid = result.Files.Sum(f => f.InvalidLines);
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        grid.AddRow("Folder", Markup.Escape(result.Directory));
        grid.AddRow("transactionTime", Markup.Escape(result.Manifest.TransactionTime ?? "(not given)"));
        // A resume's own time next to the export's: the time since the first kick-off alone made a resume that did nothing look slow.
        // An export that was already complete took its time then: the time since its kick-off is no figure of it.
        grid.AddRow("Time", resumed
            ? result.AlreadyComplete
                ? string.Create(CultureInfo.InvariantCulture, $"{result.RunDuration.TotalSeconds:0.0} s this resume (the export was already complete)")
                : string.Create(CultureInfo.InvariantCulture, $"{result.RunDuration.TotalSeconds:0.0} s this resume, {result.Duration.TotalSeconds:0.0} s since the export started")
            : string.Create(CultureInfo.InvariantCulture, $"{result.Duration.TotalSeconds:0.0} s"));
        grid.AddRow("Server messages", errors.Count == 0 ? "none" : ServerIssues(result.ServerIssues, errors.Sum(f => f.Resources)));
        grid.AddRow("Invalid lines", invalid == 0 ? "none" : $"[yellow]{N(invalid)} (counted and reported in log.ndjson)[/]");
        foreach (var mismatch in result.CountMismatches)
        {
            grid.AddRow("[yellow]Count mismatch[/]", Markup.Escape($"{mismatch.Type} {mismatch.FileName}: manifest count {mismatch.DeclaredCount}, file holds {mismatch.Resources}"));
        }

        foreach (var repaired in result.Repaired)
        {
            grid.AddRow("Repaired", Markup.Escape($"{repaired.FileName} ({repaired.Problem}; fetched again)"));
        }

        grid.AddRow("Job on server", result.JobDeleted ? "deleted" : "kept (--keep-job)");
        console.Write(new TrimmedLines(grid));
        console.MarkupLine(result.Outcome == ExportOutcome.Success
            ? "[green]Export complete.[/]"
            : $"[yellow]Export complete, but not everything came through: {Markup.Escape(result.DescribePartial() ?? string.Empty)}.[/]");
    }
}

/// <summary><c>export --json</c>.</summary>
internal sealed record ExportJson(
    string Directory,
    ExportOutcome Outcome,
    string? TransactionTime,
    Uri StatusUrl,
    IReadOnlyDictionary<string, long> Resources,
    long TotalResources,
    long TotalBytes,
    int ErrorFiles,
    long InvalidLines,
    IEnumerable<ExportJson.FileCountMismatch> CountMismatches,
    IReadOnlyDictionary<string, long> ServerIssues,
    IEnumerable<FileProblemJson> Repaired,
    IEnumerable<ExportJson.ExportFileJson> Files,
    double Seconds,
    double RunSeconds,
    bool JobDeleted)
{
    internal sealed record FileCountMismatch(string Type, string File, long? Declared, long Found);

    internal sealed record ExportFileJson(
        string File, ExportFileKind Kind, string Type, ExportFileStatus Status, long Resources, long Bytes, string? Sha256,
        long? StoredBytes, string? StoredSha256, IReadOnlyDictionary<string, long>? Issues);
}

/// <summary>A file found damaged (<c>inspect --verify</c>) or repaired (<c>export</c>), in a <c>--json</c> document.</summary>
internal sealed record FileProblemJson(string File, string Problem);
