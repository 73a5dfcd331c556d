using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using DuckDB.NET.Data;
using FhirBulk.Ndjson;
using FhirBulk.Sinks.DuckDb;
using FhirBulk.Views;

namespace FhirBulk.Sinks.Parquet;

/// <summary>
/// Writes views into a Parquet "lake" that Spark, Trino, Athena, DuckDB and pandas read as one table per view:
/// <c>DIR/&lt;view&gt;/part-&lt;shard&gt;-&lt;seq&gt;.parquet</c>, <c>DIR/&lt;view&gt;/_schema.json</c> and a record of the run
/// in <c>DIR/_runs/&lt;run-id&gt;.json</c> (see <see cref="ParquetLake"/>). Each shard of a sharded run writes only its
/// own parts, so N processes can fill one lake.
/// </summary>
/// <remarks>
/// <para>
/// Rows are staged in a scratch DuckDB database on disk, as <see cref="ParquetSink"/> does, and copied out as a part
/// each time <see cref="ParquetLakeOptions.RowsPerPart"/> rows have come, then dropped, so memory and scratch space stay
/// bounded by one part per view however large the input. A view that gets no rows still writes one empty part, so
/// that a glob over its folder always finds the schema.
/// </para>
/// <para>
/// Parts are written under hidden temporary names (<c>.part-….parquet.….tmp</c>, which <c>*.parquet</c> globs, Spark
/// and Hive skip) and renamed into place at <see cref="CompleteAsync"/>, after which this shard's parts of an earlier
/// run that the new ones did not replace are deleted, and then the run record is written: a reader never sees half a
/// part, and a run that fails or is cancelled leaves the lake as it was. Between the renames and the deletions a
/// reader may briefly see a shard's new parts beside old surplus ones; <see cref="ParquetLake.Check"/> says when the
/// lake is consistent.
/// </para>
/// </remarks>
public sealed class ParquetLakeSink : ITableSink
{
    private readonly string _directory;
    private readonly ParquetLakeOptions _options;
    private readonly string _scratchDirectory;
    private readonly DuckDbSink _scratch;
    private readonly StagedFiles _staged = new();
    private readonly List<LakeTableWriter> _writers = [];

    /// <summary>Creates a sink writing a lake into <paramref name="directory"/> (created when missing).</summary>
    /// <param name="directory">The lake's folder.</param>
    /// <param name="options">The shard, part sizes and compression; <see langword="null"/> for the defaults (one shard).</param>
    public ParquetLakeSink(string directory, ParquetLakeOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        _options = (options ?? new ParquetLakeOptions()).Validated();
        _directory = Path.GetFullPath(directory);
        Directory.CreateDirectory(_directory);
        _scratchDirectory = Directory.CreateTempSubdirectory("fhirbulk-lake-").FullName;
        _scratch = new DuckDbSink(Path.Combine(_scratchDirectory, "scratch.duckdb"), _options.DuckDb, CopyOutAsync);
    }

    /// <inheritdoc/>
    public ValueTask<ITableWriter> OpenTableAsync(ViewSchema schema, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(schema);
        TableNames.Checked(schema.Name);
        if (_writers.Exists(w => string.Equals(w.Schema.Name, schema.Name, StringComparison.OrdinalIgnoreCase)))
        {
            throw new TableSinkException($"Table '{schema.Name}' is already open in this lake; each view is one folder.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        Directory.CreateDirectory(Path.Combine(_directory, schema.Name));
        var writer = new LakeTableWriter(this, schema);
        _writers.Add(writer);
        return ValueTask.FromResult<ITableWriter>(writer);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Hashes this shard's inputs, renames the parts and schemas into place, deletes this shard's earlier parts that
    /// were not replaced and this shard's earlier run records, and writes the new run record last.
    /// </remarks>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken = default)
    {
        if (_writers.Find(w => !w.IsCompleted) is { } open)
        {
            throw new InvalidOperationException($"Table '{open.Schema.Name}' was not completed; complete every table before the sink.");
        }

        foreach (LakeTableWriter writer in _writers)
        {
            StagedFile schemaFile = _staged.Add(Path.Combine(_directory, writer.Schema.Name, ParquetLake.SchemaFileName));
            // The same document `view --schema json` prints: one serializer for the schema, whoever reads it.
            await File.WriteAllTextAsync(schemaFile.TempPath, TableSchemas.ToJson(writer.Schema), cancellationToken).ConfigureAwait(false);
            schemaFile.MarkComplete();
        }

        List<ParquetLakeInput> inputs = await HashInputsAsync(cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        _staged.Commit();

        foreach (LakeTableWriter writer in _writers)
        {
            var kept = writer.Parts.Select(p => p.TargetPath).ToHashSet(StringComparer.Ordinal);
            foreach (string old in ParquetLake.PartsOfShard(Path.Combine(_directory, writer.Schema.Name), _options.Shard.Index))
            {
                if (!kept.Contains(old))
                {
                    File.Delete(old);
                }
            }
        }

        DateTimeOffset now = _options.TimeProvider.GetUtcNow();
        var run = new ParquetLakeRun(
            ParquetLake.RunId(now, _options.Shard),
            _options.Shard.Index,
            _options.Shard.Count,
            now,
            _options.Plan?.Fingerprint,
            _options.Plan?.UnitBytes,
            inputs,
            [.. _writers.Select(w => new ParquetLakeView(w.Schema.Name, w.RowCount, [.. w.Parts.Select(p => new ParquetLakePart(ParquetLake.Relative(_directory, p.TargetPath), p.Rows, p.Bytes))]))]);
        string runs = Path.Combine(_directory, ParquetLake.RunsFolderName);
        Directory.CreateDirectory(runs);
        StagedFile record = _staged.Add(Path.Combine(runs, run.RunId + ".json"));
        await File.WriteAllBytesAsync(record.TempPath, run.ToUtf8(), cancellationToken).ConfigureAwait(false);
        record.MarkComplete();
        _staged.Commit();

        foreach (string earlier in ParquetLake.RunRecordsOfShard(_directory, _options.Shard.Index))
        {
            if (!string.Equals(Path.GetFileNameWithoutExtension(earlier), run.RunId, StringComparison.Ordinal))
            {
                File.Delete(earlier);
            }
        }

        _writers.Clear();
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        try
        {
            foreach (LakeTableWriter writer in _writers)
            {
                await writer.DisposeAsync().ConfigureAwait(false);
            }

            // The scratch database is never committed: disposing it deletes it.
            await _scratch.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _staged.Discard();
            try
            {
                Directory.Delete(_scratchDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private async Task<List<ParquetLakeInput>> HashInputsAsync(CancellationToken cancellationToken)
    {
        var inputs = new List<ParquetLakeInput>();
        if (_options.Plan is null)
        {
            return inputs;
        }

        foreach (NdjsonShardUnit unit in _options.Plan.UnitsOf(_options.Shard.Index))
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await using var file = await _options.Plan.OpenAsync(unit, cancellationToken).ConfigureAwait(false);
            byte[] buffer = new byte[1 << 20];
            long left = unit.Length;
            while (left > 0)
            {
                int read = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new IOException($"'{unit.File.Name}' is shorter than when the shards were planned ({unit.File.Length} bytes); it changed during the run.");
                }

                hash.AppendData(buffer, 0, read);
                left -= read;
            }

            inputs.Add(new ParquetLakeInput(_options.Plan.Describe(unit), unit.File.Length ?? 0, unit.Start, unit.Length, Convert.ToHexStringLower(hash.GetHashAndReset())));
        }

        return inputs;
    }

    /// <summary>Starts the next part of a view: its staged file, and a scratch table of the view's name to fill.</summary>
    private async ValueTask<(ITableWriter Table, LakePart Part)> OpenPartAsync(ViewSchema schema, int seq, CancellationToken cancellationToken)
    {
        string target = Path.Combine(_directory, schema.Name, ParquetLake.PartFileName(_options.Shard.Index, seq));
        var part = new LakePart(_staged.Add(target));
        ITableWriter table = await _scratch.OpenTableAsync(schema, cancellationToken).ConfigureAwait(false);
        return (table, part);
    }

    private async ValueTask CopyOutAsync(DuckDBConnection connection, ViewSchema schema, CancellationToken cancellationToken)
    {
        LakePart part = _writers.Find(w => w.Schema.Name == schema.Name)!.CurrentPart!;
        string table = DuckDbTypeMap.Quote(schema.Name);
        await DuckDbSink.ExecuteAsync(
            connection,
            string.Create(CultureInfo.InvariantCulture, $"COPY {table} TO {DuckDbTypeMap.Literal(part.File.TempPath)} (FORMAT parquet, COMPRESSION {_options.Compression}, ROW_GROUP_SIZE {_options.RowGroupSize})"),
            cancellationToken).ConfigureAwait(false);
        part.Bytes = new FileInfo(part.File.TempPath).Length;
        part.File.MarkComplete();
        // The next part reuses the table's name.
        await DuckDbSink.ExecuteAsync(connection, $"DROP TABLE {table}", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One part: its staged file, and its rows and size once copied out.</summary>
    private sealed class LakePart(StagedFile file)
    {
        public StagedFile File => file;

        public string TargetPath => file.TargetPath;

        public long Rows { get; set; }

        public long Bytes { get; set; }
    }

    /// <summary>A view's rows, cut into parts of at most <see cref="ParquetLakeOptions.RowsPerPart"/> rows.</summary>
    private sealed class LakeTableWriter(ParquetLakeSink sink, ViewSchema schema) : ITableWriter
    {
        private readonly List<LakePart> _parts = [];
        private ITableWriter? _table;

        public ViewSchema Schema => schema;

        public long RowCount { get; private set; }

        public bool IsCompleted { get; private set; }

        public IReadOnlyList<LakePart> Parts => _parts;

        public LakePart? CurrentPart { get; private set; }

        public async ValueTask WriteRowAsync(object?[] row, CancellationToken cancellationToken = default)
        {
            ObjectDisposedException.ThrowIf(IsCompleted, this);
            if (_table is null)
            {
                await StartPartAsync(cancellationToken).ConfigureAwait(false);
            }

            await _table!.WriteRowAsync(row, cancellationToken).ConfigureAwait(false);
            RowCount++;
            CurrentPart!.Rows++;
            if (CurrentPart.Rows >= sink._options.RowsPerPart)
            {
                await FinishPartAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        public async ValueTask CompleteAsync(CancellationToken cancellationToken = default)
        {
            if (IsCompleted)
            {
                return;
            }

            // A view without rows still leaves one (empty) part: a glob over its folder then finds its columns.
            if (_table is null && _parts.Count == 0)
            {
                await StartPartAsync(cancellationToken).ConfigureAwait(false);
            }

            if (_table is not null)
            {
                await FinishPartAsync(cancellationToken).ConfigureAwait(false);
            }

            IsCompleted = true;
        }

        public async ValueTask DisposeAsync()
        {
            if (_table is not null)
            {
                await _table.DisposeAsync().ConfigureAwait(false);
                _table = null;
            }
        }

        private async ValueTask StartPartAsync(CancellationToken cancellationToken)
        {
            (_table, CurrentPart) = await sink.OpenPartAsync(schema, _parts.Count, cancellationToken).ConfigureAwait(false);
            _parts.Add(CurrentPart);
        }

        private async ValueTask FinishPartAsync(CancellationToken cancellationToken)
        {
            // Completing the scratch table copies it out to the part's staged file (CopyOutAsync).
            await _table!.CompleteAsync(cancellationToken).ConfigureAwait(false);
            await _table.DisposeAsync().ConfigureAwait(false);
            _table = null;
            CurrentPart = null;
        }
    }
}
