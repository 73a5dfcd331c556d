namespace FhirBulk.Sinks.DuckDb;

/// <summary>How a <see cref="DuckDbSink"/> (and a <see cref="Parquet.ParquetSink"/>) runs DuckDB; copied when the sink is created.</summary>
public sealed class DuckDbSinkOptions
{
    /// <summary>
    /// DuckDB's <c>memory_limit</c> (e.g. <c>"256MB"</c>): loading and the Parquet copy spill to
    /// disk beyond it, which is what keeps a multi-GB load within a fixed footprint. Spill files go
    /// to DuckDB's <c>temp_directory</c>, by default the name of the database file being written
    /// (the sink's hidden copy) plus <c>.tmp</c>, beside it, and are removed when the sink is disposed.
    /// </summary>
    /// <value>The default value is <see cref="DuckDbDefaults.MemoryLimit"/>.</value>
    public string? MemoryLimit { get; set; } = DuckDbDefaults.MemoryLimit;

    /// <summary>DuckDB's worker <c>threads</c>, or <see langword="null"/> for one per core.</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public int? Threads { get; set; }

    /// <summary>A copy: a sink (or the options that carry these) keeps its own so later changes by the caller do not reach it.</summary>
    internal DuckDbSinkOptions Copy() => new() { MemoryLimit = MemoryLimit, Threads = Threads };
}

/// <summary>Defaults of <see cref="DuckDbSinkOptions"/>.</summary>
public static class DuckDbDefaults
{
    /// <summary>
    /// DuckDB would otherwise take up to 80% of the machine's memory for its buffer pool while
    /// loading; a fixed limit bounds its buffer pool however large the input. 256MB rather than
    /// 1GB: the pool only spills once full, and the smaller one cost no throughput in
    /// bench/MemoryFlat.
    /// </summary>
    public const string MemoryLimit = "256MB";
}
