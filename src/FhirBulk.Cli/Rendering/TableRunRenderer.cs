using System.Globalization;
using FhirBulk.Tables;
using FhirBulk.Views;
using Spectre.Console;

namespace FhirBulk.Cli.Rendering;

/// <summary>Reports what a table build wrote and what it skipped.</summary>
internal static class TableRunRenderer
{
    public static string Summary(TableRunResult result) =>
        $"{Counted.Of(result.RowsByTable.Values.Sum(), "row")} in {Counted.Of(result.RowsByTable.Count, "table")} from {Counted.Of(result.Resources, "resource")}";

    public static void WriteTables(IAnsiConsole console, TableRunResult result)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn("Table").AddColumn(new TableColumn("Rows").RightAligned());
        foreach (var (name, rows) in result.RowsByTable.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            table.AddRow(Markup.Escape(name), rows.ToString("N0", CultureInfo.InvariantCulture));
        }

        console.Write(table);
    }

    /// <summary>
    /// Warns on stderr, once per view, when the input held no resource of the view's type: an empty table then says nothing
    /// about the data, only that it was not there.
    /// </summary>
    public static void WarnMissingTypes(CliContext context, IEnumerable<ICompiledView> views, TableRunResult result, string input)
    {
        foreach (var view in views.Where(v => result.ResourcesByType.GetValueOrDefault(v.Schema.Resource) == 0))
        {
            context.Error.MarkupLineInterpolated($"[yellow]warning:[/] no {view.Schema.Resource} resources in {input}: table {view.Schema.Name} is empty");
        }
    }

    /// <summary>Warns about skipped input on stderr; <see langword="true"/> when anything was skipped.</summary>
    public static bool WarnSkipped(CliContext context, TableRunResult result)
    {
        if (result.MalformedLines.Count > 0)
        {
            context.Error.MarkupLineInterpolated($"[yellow]warning:[/] skipped {Counted.Of(result.MalformedLines.Count, "malformed line")}, e.g.:");
            foreach (var line in result.MalformedLines.Examples)
            {
                context.Error.WriteLine($"  {line}");
            }
        }

        if (result.ViewErrorCount > 0)
        {
            context.Error.MarkupLineInterpolated($"[yellow]warning:[/] a view failed on {Counted.Of(result.ViewErrorCount, "resource")}, e.g.:");
            foreach (var error in result.ViewErrors)
            {
                context.Error.WriteLine($"  {error}");
            }
        }

        return result.MalformedLines.Count > 0 || result.ViewErrorCount > 0;
    }
}
