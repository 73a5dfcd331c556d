using FhirBulk.Sinks.DuckDb;

namespace FhirBulk.Sync;

/// <summary>How <see cref="FhirSync"/> turns increments into tables.</summary>
public sealed class FhirSyncOptions
{
    /// <summary>What to do when a view fails on a resource, as <see cref="Tables.FhirTablesOptions.ViewErrors"/>.</summary>
    /// <value>The default value is <see cref="ErrorPolicy.Skip"/>.</value>
    public ErrorPolicy ViewErrors { get; set; } = ErrorPolicy.Skip;

    /// <summary>
    /// Where the tables go: one DuckDB database (<c>tables.duckdb</c>) or a Parquet lake of snapshots (<c>lake/</c>);
    /// <see langword="null"/> keeps the sync folder's (DuckDB for a new folder). A sync folder whose tables are in the other
    /// format has them rebuilt from every increment, as for a view change.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public SyncFormat? Format { get; set; }

    /// <summary>How DuckDB runs while the tables are updated.</summary>
    /// <value>The default value is a new <see cref="DuckDbSinkOptions"/> (its defaults).</value>
    public DuckDbSinkOptions DuckDb { get; set; } = new();

    /// <summary>The clock for the names of refused increments' folders.</summary>
    /// <value>The default value is <see cref="TimeProvider.System"/>.</value>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    internal FhirSyncOptions Validated()
    {
        if (!Enum.IsDefined(ViewErrors))
        {
            throw new ArgumentOutOfRangeException(nameof(ViewErrors), ViewErrors, "Unknown policy.");
        }

        if (Format is { } format && !Enum.IsDefined(format))
        {
            throw new ArgumentOutOfRangeException(nameof(Format), Format, "Unknown format.");
        }

        ArgumentNullException.ThrowIfNull(DuckDb, nameof(DuckDb));
        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
        return new FhirSyncOptions
        {
            ViewErrors = ViewErrors,
            Format = Format,
            DuckDb = DuckDb.Copy(),
            TimeProvider = TimeProvider,
        };
    }
}

/// <summary>Where <see cref="FhirSync"/> keeps the tables.</summary>
public enum SyncFormat
{
    /// <summary>One DuckDB database, <c>tables.duckdb</c>, one table per view; each increment is one transaction.</summary>
    DuckDb,

    /// <summary>A Parquet lake, <c>lake/</c>: each increment is a snapshot of new parts and tombstones, recorded last (<see cref="LakeSnapshot"/>).</summary>
    Parquet,
}
