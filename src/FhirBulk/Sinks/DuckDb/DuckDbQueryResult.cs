using System.Data.Common;
using System.Runtime.CompilerServices;
using DuckDB.NET.Data;

namespace FhirBulk.Sinks.DuckDb;

/// <summary>One column of a query result.</summary>
/// <param name="Name">The column name.</param>
/// <param name="TypeName">Its DuckDB type as DuckDB.NET names it (<c>Varchar</c>, <c>BigInt</c>, <c>List</c>, …), for display.</param>
public sealed record QueryColumn(string Name, string TypeName);

/// <summary>
/// The result of <see cref="DuckDbDatabase.QueryAsync"/>: its columns, known up front, and its
/// rows, streamed. SQL of several statements gives one result per statement that returns rows, in order:
/// <see cref="NextResultAsync"/> moves to the next. Dispose it to release the database.
/// </summary>
public sealed class DuckDbQueryResult : IAsyncDisposable
{
    private readonly DuckDBConnection _connection;
    private readonly DuckDBCommand _command;
    private readonly DbDataReader _reader;
    private bool[] _instants = [];
    private int _rowsTaken;

    internal DuckDbQueryResult(DuckDBConnection connection, DuckDBCommand command, DbDataReader reader)
    {
        _connection = connection;
        _command = command;
        _reader = reader;
        Columns = ReadColumns();
    }

    /// <summary>The current result's columns, in order.</summary>
    public IReadOnlyList<QueryColumn> Columns { get; private set; }

    /// <summary>
    /// Moves to the result of the next statement that returns rows (statements that return none, such as <c>ATTACH</c> or
    /// <c>CREATE TABLE</c>, run without giving one); the current result's unread rows are skipped.
    /// </summary>
    /// <param name="cancellationToken">Stops the statements run on the way.</param>
    /// <returns>Whether there was another result; <see cref="Columns"/> and <see cref="ReadRowsAsync"/> then give it.</returns>
    /// <exception cref="DuckDBException">A later statement is invalid or fails.</exception>
    public async Task<bool> NextResultAsync(CancellationToken cancellationToken = default)
    {
        if (!await _reader.NextResultAsync(cancellationToken))
        {
            return false;
        }

        Columns = ReadColumns();
        _rowsTaken = 0;
        return true;
    }

    /// <summary>
    /// Streams the rows, aligned with <see cref="Columns"/>. SQL NULL is <see langword="null"/>,
    /// a LIST is an <see cref="System.Collections.IList"/>; a TIMESTAMP WITH TIME ZONE is a <see cref="DateTime"/> of
    /// <see cref="DateTimeKind.Utc"/> (a TIMESTAMP's is unspecified); other values are DuckDB.NET's CLR types.
    /// Can be enumerated once per result.
    /// </summary>
    /// <param name="cancellationToken">Stops the read.</param>
    /// <returns>The rows.</returns>
    public IAsyncEnumerable<object?[]> ReadRowsAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _rowsTaken, 1) == 1)
        {
            throw new InvalidOperationException("The rows of a query result can be read once.");
        }

        return ReadRowsCoreAsync(cancellationToken);
    }

    private List<QueryColumn> ReadColumns()
    {
        List<QueryColumn> columns = [.. Enumerable.Range(0, _reader.FieldCount).Select(i => new QueryColumn(_reader.GetName(i), _reader.GetDataTypeName(i)))];
        _instants = [.. columns.Select(c => c.TypeName == "TimestampTz")];
        return columns;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _reader.DisposeAsync();
        await _command.DisposeAsync();
        await _connection.DisposeAsync();
    }

    private async IAsyncEnumerable<object?[]> ReadRowsCoreAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (await _reader.ReadAsync(cancellationToken))
        {
            var row = new object?[_reader.FieldCount];
            for (int i = 0; i < row.Length; i++)
            {
                row[i] = _reader.IsDBNull(i) ? null : _reader.GetValue(i);
                // DuckDB.NET gives an instant as its UTC time of unspecified kind, which would read as a local time.
                if (_instants[i] && row[i] is DateTime instant)
                {
                    row[i] = DateTime.SpecifyKind(instant, DateTimeKind.Utc);
                }
            }

            yield return row;
        }
    }
}
