using DuckDB.NET.Data;
using FhirBulk.Sinks.DuckDb;
using FhirBulk.Views;

namespace FhirBulk.Sinks.Parquet;

/// <summary>
/// Writes each view to <c>&lt;name&gt;.parquet</c> in a folder, with the same column types as
/// <see cref="DuckDbSink"/>.
/// </summary>
/// <remarks>
/// Rows are appended to a scratch DuckDB database file and copied out with DuckDB's Parquet
/// writer when the table completes, then dropped. The scratch database lives on disk (not in
/// memory) so that memory stays within <see cref="DuckDbSinkOptions.MemoryLimit"/> however
/// large the input; it is deleted when the sink is disposed. Each Parquet file is copied out
/// under a hidden temporary name and replaces the previous <c>&lt;name&gt;.parquet</c> at
/// <see cref="CompleteAsync"/>; disposing the sink before that deletes the new files and leaves
/// the previous ones.
/// </remarks>
public sealed class ParquetSink : ITableSink
{
    private readonly string _directory;
    private readonly string _scratchDirectory;
    private readonly DuckDbSink _scratch;
    private readonly StagedFiles _staged = new();
    private readonly Dictionary<string, StagedFile> _stagedByTable = new(StringComparer.Ordinal);

    /// <summary>Creates a sink writing Parquet files into <paramref name="directory"/> (created when missing).</summary>
    /// <param name="directory">The output folder.</param>
    /// <param name="options">How to run DuckDB; <see langword="null"/> for the defaults. Copied here: changing them afterwards does not change this sink.</param>
    public ParquetSink(string directory, DuckDbSinkOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        _directory = Path.GetFullPath(directory);
        FileWrites.Run(() => Directory.CreateDirectory(_directory), e => TableSinkException.WriteFailure(_directory, e));
        _scratchDirectory = Directory.CreateTempSubdirectory("fhirbulk-parquet-").FullName;
        _scratch = new DuckDbSink(Path.Combine(_scratchDirectory, "scratch.duckdb"), options, CopyOutAsync);
    }

    /// <inheritdoc/>
    public ValueTask<ITableWriter> OpenTableAsync(ViewSchema schema, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(schema);
        _stagedByTable[schema.Name] = _staged.Add(TableNames.FilePath(_directory, schema.Name, ".parquet"));
        return _scratch.OpenTableAsync(schema, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask CompleteAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _staged.Commit();
        _stagedByTable.Clear();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        try
        {
            // The scratch database is never committed: disposing it deletes it.
            await _scratch.DisposeAsync();
        }
        finally
        {
            _staged.Discard();
            // DuckDB's native handles close with the last connection; a leftover file is only scratch.
            try
            {
                Directory.Delete(_scratchDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private async ValueTask CopyOutAsync(DuckDBConnection connection, ViewSchema schema, CancellationToken cancellationToken)
    {
        StagedFile file = _stagedByTable[schema.Name];
        string table = DuckDbTypeMap.Quote(schema.Name);
        await FileWrites.RunAsync(
            () => DuckDbSink.ExecuteAsync(connection, $"COPY {table} TO {DuckDbTypeMap.Literal(file.TempPath)} (FORMAT parquet, COMPRESSION zstd)", cancellationToken),
            file.WriteFailure);
        file.MarkComplete();
        await DuckDbSink.ExecuteAsync(connection, $"DROP TABLE {table}", cancellationToken);
    }
}
