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
        transactionTime = result.TransactionTime,
        statusUrl = result.StatusUrl,
        resources = result.ResourcesByType,
        totalResources = result.TotalResources,
        totalBytes = result.TotalBytes,
        errorFiles = result.Files.Count(f => f.Kind == ExportFileKind.Error),
        invalidLines = result.Files.Sum(f => f.InvalidLines),
        countMismatches = result.CountMismatches.Select(f => new { file = f.FileName, declared = f.DeclaredCount, found = f.Resources }),
        files = result.Files.Select(f => new { file = f.FileName, kind = f.Kind, type = f.Type, status = f.Status, resources = f.Resources, bytes = f.Bytes, sha256 = f.Sha256 }),
        seconds = Math.Round(result.Duration.TotalSeconds, 3),
        jobDeleted = result.JobDeleted,
    };

    public static void Write(IAnsiConsole console, ExportResult result)
    {
        static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("Type").AddColumn(new TableColumn("Files").RightAligned())
            .AddColumn(new TableColumn("Resources").RightAligned()).AddColumn(new TableColumn("Bytes").RightAligned());
        foreach (var type in result.Files.Where(f => f.Kind == ExportFileKind.Output).GroupBy(f => f.Type, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            table.AddRow(Markup.Escape(type.Key), N(type.Count()), N(type.Sum(f => f.Resources)), N(type.Sum(f => f.Bytes)));
        }

        table.AddRow("[bold]Total[/]", N(result.Files.Count(f => f.Kind == ExportFileKind.Output)), $"[bold]{N(result.TotalResources)}[/]", N(result.TotalBytes));
        console.Write(table);

        var errors = result.Files.Where(f => f.Kind == ExportFileKind.Error).ToList();
        var invalid = result.Files.Sum(f => f.InvalidLines);
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        grid.AddRow("Folder", Markup.Escape(result.Directory));
        grid.AddRow("transactionTime", Markup.Escape(result.TransactionTime?.ToString("O", CultureInfo.InvariantCulture) ?? "(not given)"));
        grid.AddRow("Time", string.Create(CultureInfo.InvariantCulture, $"{result.Duration.TotalSeconds:0.0} s"));
        grid.AddRow("Server errors", errors.Count == 0 ? "none" : $"[yellow]{errors.Sum(f => f.Resources)} OperationOutcome(s) in error/[/]");
        grid.AddRow("Invalid lines", invalid == 0 ? "none" : $"[yellow]{N(invalid)} (counted and reported in log.ndjson)[/]");
        foreach (var mismatch in result.CountMismatches)
        {
            grid.AddRow("Count mismatch", Markup.Escape($"{mismatch.FileName}: manifest said {mismatch.DeclaredCount}, file holds {mismatch.Resources}"));
        }

        grid.AddRow("Job on server", result.JobDeleted ? "deleted" : "kept (--keep-job)");
        console.Write(grid);
        console.MarkupLine(result.Outcome == ExportOutcome.Success
            ? "[green]Export complete.[/]"
            : "[yellow]Export complete, with errors reported above.[/]");
    }
}
