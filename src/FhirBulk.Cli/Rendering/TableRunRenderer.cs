using System.Globalization;
using FhirBulk.Ndjson;
using FhirBulk.Tables;
using FhirBulk.Views;
using Spectre.Console;

namespace FhirBulk.Cli.Rendering;

/// <summary>Reports what a table build wrote and what it skipped.</summary>
internal static class TableRunRenderer
{
    // The export's count includes types no view reads (Organization, Practitioner, …), which are skipped unread.
    public static string Summary(TableRunResult result) =>
        $"{Counted.Of(result.RowsByTable.Values.Sum(), "row")} in {Counted.Of(result.RowsByTable.Count, "table")} from {Counted.Of(result.Resources, "resource")} of the types the views read";

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
    /// <returns>The warnings given, for <c>--json</c>'s <c>warnings</c>.</returns>
    public static IReadOnlyList<RunWarning> WarnMissingTypes(CliContext context, IEnumerable<ICompiledView> views, TableRunResult result, string input) =>
        Warn(context, views.Where(v => result.ResourcesByType.GetValueOrDefault(v.Schema.Resource) == 0)
            .Select(view => new RunWarning(view.Schema.Name, $"no {view.Schema.Resource} resources in {input}: table {view.Schema.Name} is empty")));

    /// <summary>Writes each warning as a <c>warning:</c> line on stderr.</summary>
    /// <returns>The warnings, for <c>--json</c>'s <c>warnings</c>.</returns>
    public static IReadOnlyList<RunWarning> Warn(CliContext context, IEnumerable<RunWarning> warnings)
    {
        List<RunWarning> given = [.. warnings];
        foreach (var warning in given)
        {
            MessageLines.Warning(context.Error, warning.Message);
        }

        return given;
    }

    /// <summary>
    /// For one shard of several: a shard without some type is normal (another has it), so only a type no file of the whole
    /// input is named for is worth a warning; and a plan with fewer units than shards leaves some shards idle, which the user
    /// chose N for and should hear about.
    /// </summary>
    /// <returns>The warnings given, for <c>--json</c>'s <c>warnings</c>.</returns>
    public static IReadOnlyList<RunWarning> WarnShardedInput(CliContext context, IEnumerable<ICompiledView> views, NdjsonShardPlan plan, ShardSpec shard, string input)
    {
        var named = plan.Units.Select(u => u.File.ResourceType).ToHashSet();

        // A mixed-type file may hold any type: only the whole run could tell.
        var warnings = Warn(context, named.Contains(null)
            ? []
            : views.Where(v => !named.Contains(v.Schema.Resource))
                .Select(view => new RunWarning(view.Schema.Name, $"no {view.Schema.Resource} files in {input}: table {view.Schema.Name} is empty in every shard")));

        if (plan.Units.Count < plan.ShardCount && shard.Index == 0)
        {
            context.Error.MarkupLineInterpolated(
                $"[yellow]note:[/] the input makes {Counted.Of(plan.Units.Count, "unit")} of work for {plan.ShardCount} shards: shards {plan.Units.Count}..{plan.ShardCount - 1} have nothing to read (a smaller --split-mb cuts large files finer)");
        }

        return warnings;
    }

    /// <summary>
    /// Warns about skipped input on stderr, one line per kind (and per column with values that did not fit its type), the
    /// first example inline; <see langword="true"/> when anything was skipped. With <c>--verbose</c> the examples kept follow, one line each.
    /// </summary>
    public static bool WarnSkipped(CliContext context, TableRunResult result, bool verbose)
    {
        WarnWithExamples(context, Counted.Of(result.MalformedLines.Count, "malformed line"), "skipped", result.MalformedLines.Count, [.. result.MalformedLines.Examples.Select(e => e.ToString())], verbose);
        WarnWithExamples(context, Counted.Of(result.ViewErrorCount, "resource"), "a view failed on", result.ViewErrorCount, [.. result.ViewErrors.Select(e => e.ToString())], verbose);
        foreach (var column in result.ValueMisfits)
        {
            WarnWithExamples(context, Counted.Of(column.Count, "value"), $"{column}: wrote null for", column.Count, [.. column.Examples.Select(e => e.ToString())], verbose);
        }

        return result.MalformedLines.Count > 0 || result.ViewErrorCount > 0 || result.ValueMisfits.Count > 0;
    }

    // "warning: skipped 8 malformed lines, the first: in.ndjson:3: …; --verbose lists 8": a log keeps it whole on one line.
    private static void WarnWithExamples(CliContext context, string counted, string what, long count, IReadOnlyList<string> examples, bool verbose)
    {
        if (count == 0)
        {
            return;
        }

        var first = examples.Count == 0 ? string.Empty : $"{(count == 1 ? ":" : ", the first:")} {examples[0]}";
        var more = count == 1 || examples.Count == 0 ? string.Empty
            : verbose ? string.Empty
            : $"; --verbose lists {(examples.Count == count ? "them" : $"the first {examples.Count}")}";
        MessageLines.Warning(context.Error, $"{what} {counted}{first}{more}");
        if (verbose && count > 1)
        {
            foreach (var example in examples)
            {
                context.Error.Profile.Out.Writer.WriteLine($"  {example}");
            }
        }
    }
}

/// <summary>A warning a run gave on stderr, as <c>--json</c> lists it beside the views' own: the view it is about, if one.</summary>
internal sealed record RunWarning(string? View, string Message);
