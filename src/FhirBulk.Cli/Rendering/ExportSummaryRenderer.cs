using System.Globalization;
using FhirBulk.Export;
using Spectre.Console;

namespace FhirBulk.Cli.Rendering;

/// <summary>The summary table printed after an export, and its --json form.</summary>
internal static class ExportSummaryRenderer
{
    public static object Json(ExportResult result) => new
    {
        directory = result.Directory,
        outcome = result.Outcome,
        transactionTime = result.Manifest.TransactionTime,
        statusUrl = result.StatusUrl,
        resources = result.ResourcesByType,
        totalResources = result.TotalResources,
        totalBytes = result.TotalBytes,
        errorFiles = result.Files.Count(f => f.Kind == ExportFileKind.Error),
        invalidLines = result.Files.Sum(f => f.InvalidLines),
        countMismatches = result.CountMismatches.Select(f => new { type = f.Type, file = f.FileName, declared = f.DeclaredCount, found = f.Resources }),
        serverIssues = result.ServerIssues,
        repaired = result.Repaired.Select(r => new { file = r.FileName, problem = r.Problem }),
        files = result.Files.Select(f => new
        {
            file = f.FileName, kind = f.Kind, type = f.Type, status = f.Status, resources = f.Resources, bytes = f.Bytes, sha256 = f.Sha256,
            storedBytes = f.StoredBytes, storedSha256 = f.StoredSha256, issues = f.Issues,
        }),
        seconds = Math.Round(result.Duration.TotalSeconds, 3),
        runSeconds = Math.Round(result.RunDuration.TotalSeconds, 3),
        jobDeleted = result.JobDeleted,
    };

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
