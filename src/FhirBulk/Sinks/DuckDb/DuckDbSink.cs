using DuckDB.NET.Data;
using FhirBulk.Views;

namespace FhirBulk.Sinks.DuckDb;

/// <summary>
/// Writes each view to a table of a DuckDB database file, bulk loaded with the Appender. Column
/// types follow the SQL-on-FHIR type map, except that <c>date</c> and <c>dateTime</c> stay text
/// (FHIR dates may be partial, such as <c>2012-03</c>) and <c>decimal</c> is a <c>DOUBLE</c>;
/// collection columns are LISTs. An existing table of the same name is replaced.
/// </summary>
public sealed class DuckDbSink : ITableSink
{
    private readonly string _databasePath;
    private readonly DuckDbSinkOptions _options;
    private readonly Func<DuckDBConnection, ViewSchema, CancellationToken, ValueTask>? _afterTable;
    private DuckDBConnection? _connection;

    /// <summary>Creates a sink writing to the database file <paramref name="databasePath"/> (created when missing).</summary>
    /// <param name="databasePath">The <c>.duckdb</c> file.</param>
    /// <param name="options">How to run DuckDB; <see langword="null"/> for the defaults.</param>
    public DuckDbSink(string databasePath, DuckDbSinkOptions? options = null)
        : this(databasePath, options, null)
    {
    }

    internal DuckDbSink(string databasePath, DuckDbSinkOptions? options, Func<DuckDBConnection, ViewSchema, CancellationToken, ValueTask>? afterTable)
    {
        ArgumentException.ThrowIfNullOrEmpty(databasePath);
        _databasePath = databasePath;
        _options = options ?? new DuckDbSinkOptions();
        _afterTable = afterTable;
    }

    private string ConnectionString => $"Data Source={_databasePath}";

    /// <inheritdoc/>
    public async ValueTask<ITableWriter> OpenTableAsync(ViewSchema schema, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(schema);
        TableNames.Checked(schema.Name);
        DuckDBConnection main = await OpenAsync(cancellationToken);
        await ExecuteAsync(main, DuckDbTypeMap.CreateTableSql(schema), cancellationToken);
        // One connection per table: each appender flushes through its own connection, so tables
        // fed in one pass never interleave in a single transaction context.
        // DuckDB.NET shares one native database among connections to the same file in a process.
        var own = new DuckDBConnection(ConnectionString);
        await own.OpenAsync(cancellationToken);
        Func<DuckDBConnection, CancellationToken, ValueTask>? after = _afterTable is null
            ? null
            : (connection, ct) => _afterTable(connection, schema, ct);
        return new DuckDbTableWriter(own, schema, after);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
            _connection = null;
        }
    }

    internal static async Task ExecuteAsync(DuckDBConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using DuckDBCommand command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<DuckDBConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (_connection is not null)
        {
            return _connection;
        }

        string? folder = Path.GetDirectoryName(Path.GetFullPath(_databasePath));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }

        var connection = new DuckDBConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        if (_options.MemoryLimit is { } limit)
        {
            await ExecuteAsync(connection, $"SET memory_limit = {DuckDbTypeMap.Literal(limit)}", cancellationToken);
        }

        if (_options.Threads is { } threads)
        {
            await ExecuteAsync(connection, $"SET threads = {threads}", cancellationToken);
        }

        _connection = connection;
        return connection;
    }
}
