namespace FhirBulk.Sinks;

/// <summary>The file formats a view's rows can be written in (the CLI's <c>--format</c>).</summary>
public enum TableFormat
{
    /// <summary>A DuckDB database file, one table per view.</summary>
    DuckDb,

    /// <summary>A folder of Parquet files, one per view.</summary>
    Parquet,

    /// <summary>A folder of CSV files, one per view, or one view to a stream.</summary>
    Csv,

    /// <summary>A folder of NDJSON row files, one per view, or one view to a stream.</summary>
    Ndjson,
}
