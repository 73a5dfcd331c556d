using DuckDB.NET.Data;
using FhirBulk.Views;

namespace FhirBulk.Sinks.DuckDb;

/// <summary>
/// Writes each view to a table of a DuckDB database file, bulk loaded with the Appender. Each column
/// has its <see cref="ViewColumn.SqlType"/>: the SQL-on-FHIR default for its FHIR type (<c>decimal</c>,
/// <c>date</c>, <c>dateTime</c> and <c>time</c> as text in their exact FHIR form) or the type its
/// <c>ansi/type</c> tag asks for; collection columns are LISTs. An existing table of the same name is
/// replaced; the database's other tables are kept.
/// </summary>
/// <remarks>
/// The tables are written into a hidden copy of the database beside the file (an empty one when
/// there is no file yet), which is checkpointed, closed and renamed over the file at
/// <see cref="CompleteAsync"/>. Until then the file is untouched: a run that fails or is cancelled
/// leaves the database as it was, and disposing the sink deletes the copy. The copy starts from
/// the whole existing file so that tables other than the views', and any views or macros, survive
/// as they did when tables were replaced in place; the price is a read of the existing file and
/// room for a second one while the sink runs.
/// </remarks>
public sealed class DuckDbSink : ITableSink
{
    private readonly string _databasePath;
    private readonly DuckDbSinkOptions _options;
    private readonly Func<DuckDBConnection, ViewSchema, CancellationToken, ValueTask>? _afterTable;
    private readonly List<DuckDbTableWriter> _writers = [];
    private string? _stagedPath;
    private DuckDBConnection? _connection;

    /// <summary>Creates a sink writing to the database file <paramref name="databasePath"/> (created when missing).</summary>
    /// <param name="databasePath">The <c>.duckdb</c> file.</param>
    /// <param name="options">How to run DuckDB; <see langword="null"/> for the defaults. Copied here: changing them afterwards does not change this sink.</param>
    public DuckDbSink(string databasePath, DuckDbSinkOptions? options = null)
        : this(databasePath, options, null)
    {
    }

    internal DuckDbSink(string databasePath, DuckDbSinkOptions? options, Func<DuckDBConnection, ViewSchema, CancellationToken, ValueTask>? afterTable)
    {
        ArgumentException.ThrowIfNullOrEmpty(databasePath);
        _databasePath = Path.GetFullPath(databasePath);
        _options = options?.Copy() ?? new DuckDbSinkOptions();
        _afterTable = afterTable;
    }

    /// <inheritdoc/>
    public async ValueTask<ITableWriter> OpenTableAsync(ViewSchema schema, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(schema);
        TableNames.Checked(schema.Name);
        DuckDBConnection main = await OpenAsync(cancellationToken);
        await FileWrites.RunAsync(() => ExecuteAsync(main, DuckDbTypeMap.CreateTableSql(schema), cancellationToken), WriteFailure);
        // One connection per table: each appender flushes through its own connection, so tables
        // fed in one pass never interleave in a single transaction context.
        // DuckDB.NET shares one native database among connections to the same file in a process.
        var own = new DuckDBConnection(ConnectionStringOf(_stagedPath!));
        try
        {
            await FileWrites.RunAsync(() => own.OpenAsync(cancellationToken), WriteFailure);
        }
        catch
        {
            await own.DisposeAsync();
            throw;
        }

        Func<DuckDBConnection, CancellationToken, ValueTask>? after = _afterTable is null
            ? null
            : (connection, ct) => _afterTable(connection, schema, ct);
        var writer = new DuckDbTableWriter(own, schema, after, WriteFailure);
        _writers.Add(writer);
        return writer;
    }

    /// <inheritdoc/>
    /// <remarks>Checkpoints and closes the new database, then renames it over the file; a later table starts a new copy.</remarks>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken = default)
    {
        if (_connection is null || _stagedPath is null)
        {
            return;
        }

        if (_writers.Find(w => !w.IsCompleted) is { } open)
        {
            throw new InvalidOperationException($"Table '{open.Schema.Name}' was not completed; complete every table before the sink.");
        }

        // Explicitly, so that a checkpoint that fails (a full disk) fails the run while the old
        // file is still in place, and closing leaves one whole file with no write-ahead log.
        await FileWrites.RunAsync(
            async () =>
            {
                await ExecuteAsync(_connection, "CHECKPOINT", cancellationToken);
                await CloseAsync();
                File.Move(_stagedPath, _databasePath, overwrite: true);
            },
            WriteFailure);
        _stagedPath = null;
    }

    /// <inheritdoc/>
    /// <remarks>Deletes the new database when <see cref="CompleteAsync"/> did not put it in place.</remarks>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await CloseAsync();
        }
        finally
        {
            if (_stagedPath is not null)
            {
                DeleteStaged(_stagedPath);
                _stagedPath = null;
            }
        }
    }

    /// <summary>Applies <paramref name="options"/> (memory limit, threads) to an open connection: every writer of tables runs DuckDB alike.</summary>
    internal static async Task ConfigureAsync(DuckDBConnection connection, DuckDbSinkOptions options, CancellationToken cancellationToken)
    {
        if (options.MemoryLimit is { } limit)
        {
            await ExecuteAsync(connection, $"SET memory_limit = {DuckDbTypeMap.Literal(limit)}", cancellationToken).ConfigureAwait(false);
        }

        if (options.Threads is { } threads)
        {
            await ExecuteAsync(connection, $"SET threads = {threads}", cancellationToken).ConfigureAwait(false);
        }
    }

    internal static async Task ExecuteAsync(DuckDBConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using DuckDBCommand command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>A failed write of the staged copy or its write-ahead log, told as one of the database file the caller named.</summary>
    private TableSinkException WriteFailure(Exception exception) => TableSinkException.WriteFailure(_databasePath, exception);

    private static string WalOf(string databasePath) => databasePath + ".wal";

    private static string ConnectionStringOf(string databasePath) => $"Data Source={databasePath}";

    private static void DeleteStaged(string stagedPath)
    {
        StagedFile.Delete(stagedPath);
        StagedFile.Delete(WalOf(stagedPath));
    }

    private async Task<DuckDBConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (_connection is not null)
        {
            return _connection;
        }

        string staged = StagedFile.TempPathFor(_databasePath);
        var connection = new DuckDBConnection(ConnectionStringOf(staged));
        try
        {
            await FileWrites.RunAsync(
                async () =>
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(_databasePath)!);
                    if (File.Exists(WalOf(_databasePath)))
                    {
                        await CheckpointExistingAsync(cancellationToken);
                    }

                    if (File.Exists(_databasePath))
                    {
                        File.Copy(_databasePath, staged);
                    }

                    await connection.OpenAsync(cancellationToken);
                    await ConfigureAsync(connection, _options, cancellationToken);
                },
                WriteFailure);
        }
        catch
        {
            await connection.DisposeAsync();
            DeleteStaged(staged);
            throw;
        }

        _stagedPath = staged;
        _connection = connection;
        return connection;
    }

    /// <summary>
    /// Folds a write-ahead log that a writer which did not close the database left beside it into
    /// the file, so that the copy holds its last changes. The database's content is unchanged.
    /// </summary>
    private async Task CheckpointExistingAsync(CancellationToken cancellationToken)
    {
        await using var existing = new DuckDBConnection(ConnectionStringOf(_databasePath));
        await existing.OpenAsync(cancellationToken);
        await ExecuteAsync(existing, "CHECKPOINT", cancellationToken);
    }

    /// <summary>Closes every connection, which closes the database: DuckDB.NET keeps it open while any connection to it is.</summary>
    private async Task CloseAsync()
    {
        foreach (DuckDbTableWriter writer in _writers)
        {
            await writer.DisposeAsync();
        }

        _writers.Clear();
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
            _connection = null;
        }
    }
}
