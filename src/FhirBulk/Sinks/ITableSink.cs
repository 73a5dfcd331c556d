using FhirBulk.Views;

namespace FhirBulk.Sinks;

/// <summary>
/// Where view rows go: a DuckDB database, Parquet, CSV or NDJSON files, or DataFrames. One table
/// per view, opened by <see cref="OpenTableAsync"/>, filled row by row, then completed.
/// </summary>
/// <remarks>
/// Rows follow <see cref="ICompiledView"/>'s value representation. A sink is written by one
/// pipeline at a time; its tables may be open together (one pass over the input feeds them all).
/// Disposing a sink without completing its tables discards or leaves them partial, per sink.
/// </remarks>
public interface ITableSink : IAsyncDisposable
{
    /// <summary>Creates (or replaces) the table for <paramref name="schema"/>.</summary>
    /// <param name="schema">The table's name and columns.</param>
    /// <param name="cancellationToken">Stops the operation.</param>
    /// <returns>The writer for the table's rows.</returns>
    ValueTask<ITableWriter> OpenTableAsync(ViewSchema schema, CancellationToken cancellationToken = default);
}

/// <summary>Writes the rows of one table of an <see cref="ITableSink"/>.</summary>
public interface ITableWriter : IAsyncDisposable
{
    /// <summary>The table being written.</summary>
    ViewSchema Schema { get; }

    /// <summary>How many rows were written so far.</summary>
    long RowCount { get; }

    /// <summary>Appends one row, aligned with <see cref="ViewSchema.Columns"/>.</summary>
    /// <param name="row">The values; the writer does not keep the array.</param>
    /// <param name="cancellationToken">Stops the operation.</param>
    /// <returns>A task that completes when the row is accepted (not necessarily stored).</returns>
    ValueTask WriteRowAsync(object?[] row, CancellationToken cancellationToken = default);

    /// <summary>Finishes the table: flushes buffered rows and makes the table visible / the file whole.</summary>
    /// <param name="cancellationToken">Stops the operation.</param>
    /// <returns>A task that completes when the table is stored.</returns>
    ValueTask CompleteAsync(CancellationToken cancellationToken = default);
}
