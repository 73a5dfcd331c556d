using FhirBulk.Export;

namespace FhirBulk.Sync;

/// <summary>What one <see cref="FhirSync.SyncAsync"/> did.</summary>
/// <param name="Directory">The sync folder.</param>
/// <param name="Increment">The number of the increment this run exported and applied (1 for the first, full export).</param>
/// <param name="IncrementDirectory">Its export folder, <c>increments/NNNN/</c>.</param>
/// <param name="Export">The increment's export.</param>
/// <param name="DeletedResources">Resources the increment's <c>deleted</c> Bundles list.</param>
/// <param name="RebuiltFrom">
/// When the view definitions or the tables' format changed since the last run (<see cref="Rebuilt"/> says which): how
/// many increments the tables were rebuilt from (this one included); otherwise 0.
/// </param>
/// <param name="Format">Where the tables are.</param>
/// <param name="TablesPath">The DuckDB file, <c>tables.duckdb</c>, or with <see cref="SyncFormat.Parquet"/> the lake's folder, <c>lake/</c>.</param>
/// <param name="RowsByTable">Rows of each table after the commit.</param>
/// <param name="ChangesByTable">
/// What this run changed in each table: the increment's rows added, replaced and deleted (with those of an increment an
/// interrupted run left unapplied, <see cref="SyncResult.PendingApplied"/>; when the tables were rebuilt, those of every
/// increment applied in turn to empty tables, so a resource changed in several increments counts in each).
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

    /// <summary>
    /// The increment an earlier run exported but was stopped before applying (a crash or kill during its table update),
    /// which this run applied first; its changes are in <see cref="SyncResult.ChangesByTable"/> with this increment's.
    /// <see langword="null"/> when there was none.
    /// </summary>
    public int? PendingApplied { get; init; }

    /// <summary>
    /// How many exports in <c>refused/</c> this run removed because an applied increment supersedes them: a copy of
    /// increment N (exported with the same <c>_since</c> as <c>increments/N</c>) goes once N is applied, since the tables
    /// hold its changes then. Copies of an increment not applied yet are never removed. 0 when none went.
    /// </summary>
    public int RefusedRemoved { get; init; }

    /// <summary>Why the tables were rebuilt from every increment (<see cref="RebuiltFrom"/>); <see cref="SyncRebuildReasons.None"/> when only this increment was applied.</summary>
    public SyncRebuildReasons Rebuilt { get; init; }

    /// <summary>Why the tables were rebuilt, in words, or <see langword="null"/> when they were not.</summary>
    /// <returns>E.g. <c>the tables' format changed since the last sync (now a Parquet lake)</c>.</returns>
    public string? DescribeRebuild() => Rebuilt == SyncRebuildReasons.None ? null : Describe(Rebuilt, Format);

    internal static string Describe(SyncRebuildReasons reasons, SyncFormat format)
    {
        var now = format == SyncFormat.Parquet ? "a Parquet lake" : "a DuckDB database";

        // The other format's tables are not deleted (they are the user's), but they stop being kept: said, so that a
        // reader of the folder does not take them for current.
        var left = format == SyncFormat.Parquet ? $"{SyncTables.FileName}, if still there, is" : $"{SyncLake.FolderName}/, if still there, is";
        return reasons switch
        {
            SyncRebuildReasons.ViewsChanged => "the view definitions changed since the last sync",
            SyncRebuildReasons.FormatChanged => $"the tables' format changed since the last sync (now {now}; {left} no longer updated)",
            _ => $"the view definitions and the tables' format changed since the last sync (now {now}; {left} no longer updated)",
        };
    }
}

/// <summary>Why <see cref="FhirSync.SyncAsync"/> rebuilt the tables from every increment instead of applying only the new one.</summary>
[Flags]
public enum SyncRebuildReasons
{
    /// <summary>Not rebuilt: only the new increment was applied.</summary>
    None = 0,

    /// <summary>The view definitions' fingerprint differs from the one the tables were made with.</summary>
    ViewsChanged = 1,

    /// <summary>The tables go to the other format (<see cref="FhirSyncOptions.Format"/>) than the folder's.</summary>
    FormatChanged = 2,
}
