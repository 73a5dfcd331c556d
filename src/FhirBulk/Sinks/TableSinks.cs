using FhirBulk.Sinks.Csv;
using FhirBulk.Sinks.DuckDb;
using FhirBulk.Sinks.Ndjson;
using FhirBulk.Sinks.Parquet;

namespace FhirBulk.Sinks;

/// <summary>
/// Creates the sink for a <see cref="TableFormat"/> and an output, as a command line names them: a path, or a stream
/// the caller opened (such as stdout) for a single view.
/// </summary>
public static class TableSinks
{
    /// <summary>Creates a sink writing <paramref name="format"/> to the file or folder <paramref name="output"/>.</summary>
    /// <param name="format">The format.</param>
    /// <param name="output">The database file (<see cref="TableFormat.DuckDb"/>) or output folder (the others).</param>
    /// <param name="duckDbOptions">DuckDB settings for <see cref="TableFormat.DuckDb"/> and <see cref="TableFormat.Parquet"/>.</param>
    /// <returns>The sink; the caller disposes it.</returns>
    /// <exception cref="ArgumentException">
    /// <paramref name="output"/> is <c>-</c>, which names stdout, not a path: pass the stream to
    /// <see cref="Create(TableFormat, Stream)"/>.
    /// </exception>
    public static ITableSink Create(TableFormat format, string output, DuckDbSinkOptions? duckDbOptions = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(output);
        if (output == "-")
        {
            throw new ArgumentException("'-' names stdout, which a library does not open: pass the stream (CSV or NDJSON only).", nameof(output));
        }

        return format switch
        {
            TableFormat.DuckDb => new DuckDbSink(output, duckDbOptions),
            TableFormat.Parquet => new ParquetSink(output, duckDbOptions),
            TableFormat.Csv => new CsvSink(output),
            TableFormat.Ndjson => new NdjsonRowSink(output),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown table format."),
        };
    }

    /// <summary>Creates a sink writing a single view as <paramref name="format"/> to <paramref name="output"/>, such as stdout.</summary>
    /// <param name="format"><see cref="TableFormat.Csv"/> or <see cref="TableFormat.Ndjson"/>.</param>
    /// <param name="output">The stream; the sink writes to it and leaves it open.</param>
    /// <returns>The sink; the caller disposes it, and then the stream.</returns>
    /// <exception cref="ArgumentException"><paramref name="format"/> is DuckDB or Parquet, which need files.</exception>
    public static ITableSink Create(TableFormat format, Stream output)
    {
        ArgumentNullException.ThrowIfNull(output);
        return format switch
        {
            TableFormat.Csv => new CsvSink(output),
            TableFormat.Ndjson => new NdjsonRowSink(output),
            TableFormat.DuckDb or TableFormat.Parquet => throw new ArgumentException($"{format} output needs a path, not a stream.", nameof(format)),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown table format."),
        };
    }
}
