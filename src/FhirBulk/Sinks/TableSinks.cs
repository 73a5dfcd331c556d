using FhirBulk.Sinks.Csv;
using FhirBulk.Sinks.DuckDb;
using FhirBulk.Sinks.Ndjson;
using FhirBulk.Sinks.Parquet;

namespace FhirBulk.Sinks;

/// <summary>Creates the sink for a <see cref="TableFormat"/> and an output path, as a command line names them.</summary>
public static class TableSinks
{
    /// <summary>Creates a sink writing <paramref name="format"/> to <paramref name="output"/>.</summary>
    /// <param name="format">The format.</param>
    /// <param name="output">
    /// The database file (<see cref="TableFormat.DuckDb"/>) or output folder (the others);
    /// <c>-</c> writes CSV or NDJSON of a single view to stdout.
    /// </param>
    /// <param name="duckDbOptions">DuckDB settings for <see cref="TableFormat.DuckDb"/> and <see cref="TableFormat.Parquet"/>.</param>
    /// <returns>The sink; the caller disposes it.</returns>
    /// <exception cref="ArgumentException"><c>-</c> was given for DuckDB or Parquet, which need files.</exception>
    public static ITableSink Create(TableFormat format, string output, DuckDbSinkOptions? duckDbOptions = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(output);
        bool stdout = output == "-";
        return format switch
        {
            TableFormat.DuckDb when !stdout => new DuckDbSink(output, duckDbOptions),
            TableFormat.Parquet when !stdout => new ParquetSink(output, duckDbOptions),
            TableFormat.Csv => stdout ? new CsvSink(Console.OpenStandardOutput()) : new CsvSink(output),
            TableFormat.Ndjson => stdout ? new NdjsonRowSink(Console.OpenStandardOutput()) : new NdjsonRowSink(output),
            TableFormat.DuckDb or TableFormat.Parquet => throw new ArgumentException($"{format} output needs a path, not stdout.", nameof(output)),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown table format."),
        };
    }
}
