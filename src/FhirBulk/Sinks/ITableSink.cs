using FhirBulk.Views;

namespace FhirBulk.Sinks;

/// <summary>
/// Where view rows go: a DuckDB database, Parquet, CSV or NDJSON files, or DataFrames. One table
/// per view, opened by <see cref="OpenTableAsync"/>, filled row by row and completed; then the
/// sink's <see cref="CompleteAsync"/> commits them all together.
/// </summary>
/// <remarks>
/// Rows follow <see cref="ICompiledView"/>'s value representation. A sink is written by one
/// pipeline at a time; its tables may be open together (one pass over the input feeds them all).
/// The file sinks write under hidden temporary names beside their outputs and rename them into
/// place at <see cref="CompleteAsync"/>, so a run that fails or is cancelled before it leaves the
/// previous outputs as they were: disposing a sink discards what it did not commit. Output to a
/// stream (stdout) is written through.
/// </remarks>
public interface ITableSink : IAsyncDisposable
{
    /// <summary>Creates (or replaces) the table for <paramref name="schema"/>.</summary>
    /// <param name="schema">The table's name and columns.</param>
    /// <param name="cancellationToken">Stops the operation.</param>
    /// <returns>The writer for the table's rows.</returns>
    ValueTask<ITableWriter> OpenTableAsync(ViewSchema schema, CancellationToken cancellationToken = default);

    /// <summary>
    /// Commits the tables opened since the last commit, once every one of them is complete: each
    /// output file replaces its previous version in one rename.
    /// </summary>
    /// <param name="cancellationToken">Stops the operation before any output is replaced.</param>
    /// <returns>A task that completes when the tables are in place.</returns>
    /// <exception cref="InvalidOperationException">A table's writer was not completed; no output is replaced.</exception>
    ValueTask CompleteAsync(CancellationToken cancellationToken = default);
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

    /// <summary>Finishes the table: flushes buffered rows and makes the file whole, ready for the sink's commit.</summary>
    /// <param name="cancellationToken">Stops the operation.</param>
    /// <returns>A task that completes when the table is stored.</returns>
    ValueTask CompleteAsync(CancellationToken cancellationToken = default);
}
