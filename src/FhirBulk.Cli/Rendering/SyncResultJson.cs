using FhirBulk.Sync;
using FhirBulk.Views;

namespace FhirBulk.Cli.Rendering;

/// <summary>One increment as <c>sync --json</c> prints it, and <c>demo --sync --json</c> each of its increments.</summary>
internal static class SyncResultJson
{
    public static object Of(SyncResult result, IEnumerable<ICompiledView> views) => new
    {
        directory = result.Directory,
        increment = result.Increment,
        incrementDirectory = result.IncrementDirectory,
        transactionTime = result.TransactionTime,
        resources = result.Export.TotalResources,
        deletedResources = result.DeletedResources,
        rebuiltFrom = result.RebuiltFrom,
        pendingApplied = result.PendingApplied,
        // Left out when none, as pendingApplied is: most runs remove nothing.
        refusedRemoved = result.RefusedRemoved > 0 ? result.RefusedRemoved : (int?)null,
        database = result.Format == SyncFormat.DuckDb ? result.TablesPath : null,
        lake = result.Format == SyncFormat.Parquet ? result.TablesPath : null,
        tables = result.RowsByTable,
        changes = result.ChangesByTable,
        warnings = MessageLines.ViewWarningsJson(views),
    };
}
