namespace FhirBulk.Sinks.DuckDb;

/// <summary>How a <see cref="DuckDbSink"/> (and a <see cref="Parquet.ParquetSink"/>) runs DuckDB.</summary>
public sealed class DuckDbSinkOptions
{
    /// <summary>
    /// DuckDB's <c>memory_limit</c> (e.g. <c>"1GB"</c>): loading spills to disk beyond it, which
    /// is what keeps a multi-GB load within a fixed footprint.
    /// </summary>
    /// <value>The default value is <see cref="DuckDbDefaults.MemoryLimit"/>.</value>
    public string? MemoryLimit { get; set; } = DuckDbDefaults.MemoryLimit;

    /// <summary>DuckDB's worker <c>threads</c>, or <see langword="null"/> for one per core.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public int? Threads { get; set; }
}

/// <summary>Defaults of <see cref="DuckDbSinkOptions"/>.</summary>
public static class DuckDbDefaults
{
    /// <summary>
    /// DuckDB would otherwise take up to 80% of the machine's memory for its buffer pool while
    /// loading; a fixed limit keeps memory flat however large the input.
    /// </summary>
    public const string MemoryLimit = "1GB";
}
