using DuckDB.NET.Data;

namespace FhirBulk.Sinks.DuckDb;

/// <summary>
/// Runs SQL over a DuckDB database file written by <see cref="DuckDbSink"/>: what
/// <c>fhir-bulk query --db FILE "SQL"</c> does.
/// </summary>
public static class DuckDbDatabase
{
    /// <summary>Runs <paramref name="sql"/> against <paramref name="databasePath"/>, opened read-only.</summary>
    /// <param name="databasePath">An existing <c>.duckdb</c> file.</param>
    /// <param name="sql">One SQL statement (DuckDB dialect); its result is returned.</param>
    /// <param name="cancellationToken">Stops the query.</param>
    /// <returns>The columns and streamed rows; dispose it when done.</returns>
    /// <exception cref="FileNotFoundException">The database file does not exist.</exception>
    /// <exception cref="DuckDBException">The SQL is invalid or fails; DuckDB's message says where.</exception>
    public static async Task<DuckDbQueryResult> QueryAsync(string databasePath, string sql, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(databasePath);
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        // DuckDB would create an empty database for a mistyped path and then report "table not found".
        if (!File.Exists(databasePath))
        {
            throw new FileNotFoundException($"DuckDB database '{databasePath}' does not exist.", databasePath);
        }

        // DuckDB reports any other file as "Cannot launch in-memory database in read-only mode!".
        if (!IsDuckDbFile(databasePath))
        {
            throw new InvalidInputException($"{databasePath} is not a DuckDB database.");
        }

        return await RunAsync($"Data Source={databasePath};ACCESS_MODE=READ_ONLY", sql, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs <paramref name="sql"/> on an empty in-memory database: for SQL that reads files itself, such as a Parquet lake
    /// (<c>SELECT … FROM read_parquet('lake/patients/*.parquet')</c>) or CSV tables.
    /// </summary>
    /// <param name="sql">One SQL statement (DuckDB dialect); its result is returned.</param>
    /// <param name="cancellationToken">Stops the query.</param>
    /// <returns>The columns and streamed rows; dispose it when done.</returns>
    /// <exception cref="DuckDBException">The SQL is invalid or fails (a file it names is missing); DuckDB's message says where.</exception>
    public static Task<DuckDbQueryResult> QueryInMemoryAsync(string sql, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        return RunAsync("Data Source=:memory:", sql, cancellationToken);
    }

    private static async Task<DuckDbQueryResult> RunAsync(string connectionString, string sql, CancellationToken cancellationToken)
    {
        var connection = new DuckDBConnection(connectionString);
        DuckDBCommand? command = null;
        try
        {
            await connection.OpenAsync(cancellationToken);
            command = connection.CreateCommand();
            command.CommandText = sql;
            var reader = await command.ExecuteReaderAsync(cancellationToken);
            return new DuckDbQueryResult(connection, command, reader);
        }
        catch
        {
            if (command is not null)
            {
                await command.DisposeAsync();
            }

            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>A DuckDB file starts with an 8-byte checksum and then the magic bytes "DUCK".</summary>
    private static bool IsDuckDbFile(string path)
    {
        Span<byte> header = stackalloc byte[12];
        using var stream = File.OpenRead(path);
        return stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) == header.Length
            && header[8..].SequenceEqual("DUCK"u8);
    }
}
