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
/// rows, streamed. Dispose it to release the database.
/// </summary>
public sealed class DuckDbQueryResult : IAsyncDisposable
{
    private readonly DuckDBConnection _connection;
    private readonly DuckDBCommand _command;
    private readonly DbDataReader _reader;
    private readonly bool[] _instants;
    private int _rowsTaken;

    internal DuckDbQueryResult(DuckDBConnection connection, DuckDBCommand command, DbDataReader reader)
    {
        _connection = connection;
        _command = command;
        _reader = reader;
        Columns = [.. Enumerable.Range(0, reader.FieldCount).Select(i => new QueryColumn(reader.GetName(i), reader.GetDataTypeName(i)))];
        _instants = [.. Columns.Select(c => c.TypeName == "TimestampTz")];
    }

    /// <summary>The result's columns, in order.</summary>
    public IReadOnlyList<QueryColumn> Columns { get; }

    /// <summary>
    /// Streams the rows, aligned with <see cref="Columns"/>. SQL NULL is <see langword="null"/>,
    /// a LIST is an <see cref="System.Collections.IList"/>; a TIMESTAMP WITH TIME ZONE is a <see cref="DateTime"/> of
    /// <see cref="DateTimeKind.Utc"/> (a TIMESTAMP's is unspecified); other values are DuckDB.NET's CLR types.
    /// Can be enumerated once.
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
