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
    private bool _closed;

    public DuckDbTableWriter(DuckDBConnection connection, ViewSchema schema, Func<DuckDBConnection, CancellationToken, ValueTask>? afterComplete)
    {
        _connection = connection;
        Schema = schema;
        _afterComplete = afterComplete;
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

        IDuckDBAppenderRow appenderRow = _appender.CreateRow();
        foreach (object? value in _converted)
        {
            DuckDbValues.Append(appenderRow, value);
        }

        appenderRow.EndRow();
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
        _appender.Close();
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
        finally
        {
            // Even when the appender's last flush fails: an open connection keeps the database
            // file open, and the sink could not delete it.
            await _connection.DisposeAsync();
        }
    }
}
