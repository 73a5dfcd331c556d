using System.Globalization;
using FhirBulk.Sync;
using Spectre.Console;

namespace FhirBulk.Cli.Rendering;

/// <summary>What a sync did to its tables, as <c>sync</c> and <c>demo --sync</c> print it.</summary>
internal static class SyncRenderer
{
    /// <summary>One row per table: its rows after the sync, then the rows the increment added, replaced and deleted.</summary>
    public static Table Changes(SyncResult result)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn("Table");
        foreach (var heading in (string[])["Rows", "Added", "Replaced", "Deleted"])
        {
            table.AddColumn(new TableColumn(heading).RightAligned());
        }

        foreach (var (name, rows) in result.RowsByTable)
        {
            var change = result.ChangesByTable.GetValueOrDefault(name) ?? TableChanges.None;
            table.AddRow(Markup.Escape(name), Number(rows), Number(change.Added), Number(change.Replaced), Number(change.Deleted));
        }

        return table;
    }

    private static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
