using FhirBulk.Export;

namespace FhirBulk.Sync;

/// <summary>What one <see cref="FhirSync.SyncAsync"/> did.</summary>
/// <param name="Directory">The sync folder.</param>
/// <param name="Increment">The number of the increment this run exported and applied (1 for the first, full export).</param>
/// <param name="IncrementDirectory">Its export folder, <c>increments/NNNN/</c>.</param>
/// <param name="Export">The increment's export.</param>
/// <param name="DeletedResources">Resources the increment's <c>deleted</c> Bundles list.</param>
/// <param name="RebuiltFrom">
/// When the view definitions changed since the last run: how many increments the tables were rebuilt from (this one
/// included); otherwise 0.
/// </param>
/// <param name="Format">Where the tables are.</param>
/// <param name="TablesPath">The DuckDB file, <c>tables.duckdb</c>, or with <see cref="SyncFormat.Parquet"/> the lake's folder, <c>lake/</c>.</param>
/// <param name="RowsByTable">Rows of each table after the commit.</param>
/// <param name="ChangesByTable">
/// What this run changed in each table: the increment's rows added, replaced and deleted (when the tables were rebuilt,
/// those of every increment, from empty tables).
/// </param>
public sealed record SyncResult(
    string Directory,
    int Increment,
    string IncrementDirectory,
    ExportResult Export,
    int DeletedResources,
    int RebuiltFrom,
    SyncFormat Format,
    string TablesPath,
    IReadOnlyDictionary<string, long> RowsByTable,
    IReadOnlyDictionary<string, TableChanges> ChangesByTable)
{
    /// <summary>The increment's transactionTime as the server wrote it: the next run's <c>_since</c>.</summary>
    public string TransactionTime => Export.Manifest.TransactionTime!;
}
