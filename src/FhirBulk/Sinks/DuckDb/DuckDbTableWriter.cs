using DuckDB.NET.Data;
using FhirBulk.Views;

namespace FhirBulk.Sinks.DuckDb;

/// <summary>Bulk loads one table through DuckDB's Appender on a connection of its own.</summary>
internal sealed class DuckDbTableWriter : ITableWriter
{
    private readonly DuckDBConnection _connection;
    private readonly DuckDBAppender _appender;
    private readonly object?[] _converted;
    private readonly Func<DuckDBConnection, CancellationToken, ValueTask>? _afterComplete;
    private readonly Func<Exception, Exception> _writeFailure;
    private bool _closed;

    /// <param name="connection">The table's own connection.</param>
    /// <param name="schema">The table.</param>
    /// <param name="afterComplete">Runs once the rows are in (a copy out to Parquet), reporting its own failures.</param>
    /// <param name="writeFailure">Tells a failed append (the appender flushes into the database file) as the sink's.</param>
    public DuckDbTableWriter(DuckDBConnection connection, ViewSchema schema, Func<DuckDBConnection, CancellationToken, ValueTask>? afterComplete, Func<Exception, Exception> writeFailure)
    {
        _connection = connection;
        Schema = schema;
        _afterComplete = afterComplete;
        _writeFailure = writeFailure;
        _converted = new object?[schema.Columns.Count];
        _appender = connection.CreateAppender(schema.Name);
    }

    public ViewSchema Schema { get; }

    public long RowCount { get; private set; }

    /// <summary>Whether <see cref="CompleteAsync"/> ran: every row is in the table and the connection is closed.</summary>
    public bool IsCompleted { get; private set; }

    public ValueTask WriteRowAsync(object?[] row, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(row);
        ObjectDisposedException.ThrowIf(IsCompleted || _closed, this);
        if (row.Length != _converted.Length)
        {
            throw new TableSinkException($"Table '{Schema.Name}' has {_converted.Length} columns but a row has {row.Length} values.");
        }

        for (int i = 0; i < row.Length; i++)
        {
            _converted[i] = DuckDbValues.Convert(Schema, i, row[i]);
        }

        // The appender flushes full chunks into the database file, from whichever of these calls fills one.
        FileWrites.Run(
            () =>
            {
                IDuckDBAppenderRow appenderRow = _appender.CreateRow();
                foreach (object? value in _converted)
                {
                    DuckDbValues.Append(appenderRow, value);
                }

                appenderRow.EndRow();
            },
            _writeFailure);
        RowCount++;
        return ValueTask.CompletedTask;
    }

    public async ValueTask CompleteAsync(CancellationToken cancellationToken = default)
    {
        if (IsCompleted)
        {
            return;
        }

        ObjectDisposedException.ThrowIf(_closed, this);
        FileWrites.Run(_appender.Close, _writeFailure);
        if (_afterComplete is not null)
        {
            await _afterComplete(_connection, cancellationToken);
        }

        // Closed now rather than at dispose: the sink can only checkpoint and move the database
        // file once no connection holds it open.
        await DisposeAsync();
        IsCompleted = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_closed)
        {
            return;
        }

        _closed = true;
        try
        {
            _appender.Dispose();
        }
        catch (DuckDBException)
        {
            // Only a table abandoned with rows still in the appender gets here (CompleteAsync closed it otherwise): the sink
            // deletes its database, and this flush failing again (a full disk) would hide the error that stopped the run.
        }
        finally
        {
            // Even when the appender's last flush fails: an open connection keeps the database
            // file open, and the sink could not delete it.
            await _connection.DisposeAsync();
        }
    }
}
