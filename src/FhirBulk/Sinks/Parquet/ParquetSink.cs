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
/// large the input; it is deleted when the sink is disposed.
/// </remarks>
public sealed class ParquetSink : ITableSink
{
    private readonly string _directory;
    private readonly string _scratchDirectory;
    private readonly DuckDbSink _scratch;

    /// <summary>Creates a sink writing Parquet files into <paramref name="directory"/> (created when missing).</summary>
    /// <param name="directory">The output folder.</param>
    /// <param name="options">How to run DuckDB; <see langword="null"/> for the defaults.</param>
    public ParquetSink(string directory, DuckDbSinkOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        _directory = Path.GetFullPath(directory);
        Directory.CreateDirectory(_directory);
        _scratchDirectory = Directory.CreateTempSubdirectory("fhirbulk-parquet-").FullName;
        _scratch = new DuckDbSink(Path.Combine(_scratchDirectory, "scratch.duckdb"), options, CopyOutAsync);
    }

    /// <inheritdoc/>
    public ValueTask<ITableWriter> OpenTableAsync(ViewSchema schema, CancellationToken cancellationToken = default) =>
        _scratch.OpenTableAsync(schema, cancellationToken);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _scratch.DisposeAsync();
        // DuckDB's native handles close with the last connection; a leftover file is only scratch.
        try
        {
            Directory.Delete(_scratchDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async ValueTask CopyOutAsync(DuckDBConnection connection, ViewSchema schema, CancellationToken cancellationToken)
    {
        string target = TableNames.FilePath(_directory, schema.Name, ".parquet");
        string table = DuckDbTypeMap.Quote(schema.Name);
        await DuckDbSink.ExecuteAsync(connection, $"COPY {table} TO {DuckDbTypeMap.Literal(target)} (FORMAT parquet, COMPRESSION zstd)", cancellationToken);
        await DuckDbSink.ExecuteAsync(connection, $"DROP TABLE {table}", cancellationToken);
    }
}
