using FhirBulk.Sinks.DuckDb;

namespace FhirBulk.Sync;

/// <summary>How <see cref="FhirSync"/> turns increments into tables.</summary>
public sealed class FhirSyncOptions
{
    /// <summary>What to do when a view fails on a resource, as <see cref="Tables.FhirTablesOptions.ViewErrors"/>.</summary>
    /// <value>The default value is <see cref="ErrorPolicy.Skip"/>.</value>
    public ErrorPolicy ViewErrors { get; set; } = ErrorPolicy.Skip;

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

        ArgumentNullException.ThrowIfNull(DuckDb, nameof(DuckDb));
        ArgumentNullException.ThrowIfNull(TimeProvider, nameof(TimeProvider));
        return new FhirSyncOptions
        {
            ViewErrors = ViewErrors,
            DuckDb = new DuckDbSinkOptions { MemoryLimit = DuckDb.MemoryLimit, Threads = DuckDb.Threads },
            TimeProvider = TimeProvider,
        };
    }
}
