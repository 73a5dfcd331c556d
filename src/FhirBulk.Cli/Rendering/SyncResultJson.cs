using FhirBulk.Sync;
using FhirBulk.Views;

namespace FhirBulk.Cli.Rendering;

/// <summary>One increment as <c>sync --json</c> prints it, and <c>demo --sync --json</c> each of its increments.</summary>
internal sealed record SyncResultJson(
    string Directory,
    int Increment,
    string IncrementDirectory,
    string TransactionTime,
    long Resources,
    int DeletedResources,
    int RebuiltFrom,
    int? PendingApplied,
    int? RefusedRemoved,
    string? Database,
    string? Lake,
    IReadOnlyDictionary<string, long> Tables,
    IReadOnlyDictionary<string, TableChanges> Changes,
    IReadOnlyList<ViewWarningJson> Warnings)
{
    public static SyncResultJson Of(SyncResult result, IEnumerable<ICompiledView> views) => new(
        result.Directory,
        result.Increment,
        result.IncrementDirectory,
        result.TransactionTime,
        result.Export.TotalResources,
        result.DeletedResources,
        result.RebuiltFrom,
        result.PendingApplied,
        // Left out when none, as pendingApplied is: most runs remove nothing.
        result.RefusedRemoved > 0 ? result.RefusedRemoved : null,
        result.Format == SyncFormat.DuckDb ? result.TablesPath : null,
        result.Format == SyncFormat.Parquet ? result.TablesPath : null,
        result.RowsByTable,
        result.ChangesByTable,
        MessageLines.ViewWarningsJson(views));
}
