using System.Globalization;
using System.Text;
using DuckDB.NET.Data;
using FhirBulk.Ndjson;
using FhirBulk.Sinks.DuckDb;
using FhirBulk.Storage;
using FhirBulk.Views;

namespace FhirBulk.Sinks.Parquet;

/// <summary>
/// Writes views into a Parquet "lake" that Spark, Trino, Athena, DuckDB and pandas read as one table per view:
/// <c>DIR/&lt;view&gt;/part-&lt;shard&gt;-&lt;seq&gt;.parquet</c>, <c>DIR/&lt;view&gt;/_schema.json</c> and a record of the run
/// in <c>DIR/_runs/&lt;run-id&gt;.json</c> (see <see cref="ParquetLake"/>). DIR is a local folder or an S3 or Azure Blob
/// prefix: the lake is written through an <see cref="ObjectStore"/> either way. Each shard of a sharded run writes only
/// its own parts, so N processes (on N machines, for a bucket) can fill one lake.
/// </summary>
/// <remarks>
/// <para>
/// Rows are staged in a scratch DuckDB database on local disk, as <see cref="ParquetSink"/> does, and copied out as a
/// local part file each time <see cref="ParquetLakeOptions.RowsPerPart"/> rows have come, then dropped, so memory stays
/// bounded by one part per view however large the input; the finished part files wait on local disk (the shard's
/// Parquet output) until <see cref="CompleteAsync"/>. A view that gets no rows still writes one empty part, so that a
/// glob over its folder always finds the schema.
/// </para>
/// <para>
/// <see cref="CompleteAsync"/> then, in this order: writes each part into the store, where an object is visible only once
/// complete (a local file renamed into place, an S3 multipart upload completed, an Azure block list committed), so a
/// reader never sees half a part; writes each view's <c>_schema.json</c>; writes the run record; deletes this shard's
/// parts of an earlier run that the new ones did not replace; and deletes this shard's earlier run records. A run that
/// fails or is cancelled before <see cref="CompleteAsync"/> leaves the lake as it was. While <see cref="CompleteAsync"/>
/// runs, a reader globbing the folders may see a shard's new parts beside its old ones; <see cref="ParquetLake.CheckAsync"/>
/// says when the lake is consistent again (docs/scale.md).
/// </para>
/// </remarks>
public sealed class ParquetLakeSink : ITableSink
{
    private readonly ObjectStore _store;
    private readonly bool _ownsStore;
    private readonly ParquetLakeOptions _options;
    private readonly string _scratchDirectory;
    private readonly DuckDbSink _scratch;
    private readonly List<LakeTableWriter> _writers = [];

    /// <summary>Creates a sink writing a lake into the local folder <paramref name="directory"/> (created when missing).</summary>
    /// <param name="directory">The lake's folder.</param>
    /// <param name="options">The shard, part sizes and compression; <see langword="null"/> for the defaults (one shard).</param>
    public ParquetLakeSink(string directory, ParquetLakeOptions? options = null)
        : this(LocalFolder(directory), options, ownsStore: true)
    {
    }

    /// <summary>Creates a sink writing a lake at a store's location: a local folder, an S3 prefix or an Azure Blob prefix.</summary>
    /// <param name="store">The lake's location; the caller keeps it and disposes it after the sink.</param>
    /// <param name="options">The shard, part sizes and compression; <see langword="null"/> for the defaults (one shard).</param>
    public ParquetLakeSink(ObjectStore store, ParquetLakeOptions? options = null)
        : this(store, options, ownsStore: false)
    {
    }

    private ParquetLakeSink(ObjectStore store, ParquetLakeOptions? options, bool ownsStore)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _ownsStore = ownsStore;
        _options = (options ?? new ParquetLakeOptions()).Validated();
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
        var writer = new LakeTableWriter(this, schema);
        _writers.Add(writer);
        return ValueTask.FromResult<ITableWriter>(writer);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Takes the SHA-256 of this shard's inputs from the read that fed the views, aborts writes of this shard's parts that a killed earlier run left unfinished, writes the parts and schemas into the store, writes the new run record, then deletes
    /// this shard's earlier parts that were not replaced and this shard's earlier run records.
    /// </remarks>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken = default)
    {
        if (_writers.Find(w => !w.IsCompleted) is { } open)
        {
            throw new InvalidOperationException($"Table '{open.Schema.Name}' was not completed; complete every table before the sink.");
        }

        List<ParquetLakeInput> inputs = Inputs();
        foreach (LakeTableWriter writer in _writers)
        {
            await ParquetLake.AbortUnfinishedWritesAsync(_store, $"{writer.Schema.Name}/{ParquetLake.ShardPrefix(_options.Shard.Index)}", cancellationToken).ConfigureAwait(false);
        }

        // What the views' folders held before: a run that fails (a full disk) before its record is written takes back the
        // objects it added, so that a lake that was not there is still not there.
        var before = new HashSet<string>(StringComparer.Ordinal);
        foreach (LakeTableWriter writer in _writers)
        {
            await foreach (StoredObject stored in _store.ListAsync($"{writer.Schema.Name}/", cancellationToken).ConfigureAwait(false))
            {
                before.Add(stored.Name);
            }
        }

        var added = new List<string>();
        string record;
        try
        {
            foreach (LakePart part in _writers.SelectMany(w => w.Parts))
            {
                var file = new FileStream(part.TempPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
                await using (file.ConfigureAwait(false))
                {
                    await WriteAddingAsync(part.Name, file, added, before, cancellationToken).ConfigureAwait(false);
                }

                // Written: the local copy is no longer needed, and the scratch disk holds the parts not yet written only.
                File.Delete(part.TempPath);
            }

            foreach (LakeTableWriter writer in _writers)
            {
                // The same document `view --schema json` prints: one serializer for the schema, whoever reads it.
                await WriteAddingAsync($"{writer.Schema.Name}/{ParquetLake.SchemaFileName}", Encoding.UTF8.GetBytes(TableSchemas.ToJson(writer.Schema)), added, before, cancellationToken).ConfigureAwait(false);
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
                [.. _writers.Select(w => new ParquetLakeView(w.Schema.Name, w.RowCount, [.. w.Parts.Select(p => new ParquetLakePart(p.Name, p.Rows, p.Bytes))]))]);
            record = ParquetLake.RunRecordName(run.RunId);
            await WriteAddingAsync(record, run.ToUtf8(), added, before, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await DeleteQuietlyAsync(added).ConfigureAwait(false);
            throw;
        }

        // Only now, with the new record in place, are the old parts surplus: a crash before this point leaves them listed by
        // the old record, after it leaves them strays that ParquetLake.CheckAsync names.
        foreach (LakeTableWriter writer in _writers)
        {
            var kept = writer.Parts.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
            foreach (string old in await ParquetLake.PartsOfShardAsync(_store, writer.Schema.Name, _options.Shard.Index, cancellationToken).ConfigureAwait(false))
            {
                if (!kept.Contains(old))
                {
                    await _store.DeleteAsync(old, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        foreach (string earlier in await ParquetLake.RunRecordsOfShardAsync(_store, _options.Shard.Index, cancellationToken).ConfigureAwait(false))
        {
            if (!string.Equals(earlier, record, StringComparison.Ordinal))
            {
                await _store.DeleteAsync(earlier, cancellationToken).ConfigureAwait(false);
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
            // Part files not yet written into the store go with the scratch folder.
            try
            {
                Directory.Delete(_scratchDirectory, recursive: true);
            }
            catch (IOException)
            {
            }

            if (_ownsStore)
            {
                _store.Dispose();
            }
        }
    }

    private static ObjectStore LocalFolder(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string root = Path.GetFullPath(directory);
        Directory.CreateDirectory(root);
        return ObjectStore.Create(StorageLocation.Parse(root));
    }

    /// <summary>Writes an object, noting it in <paramref name="added"/> when the run adds it rather than replaces one.</summary>
    private async ValueTask WriteAddingAsync(string name, Stream content, List<string> added, HashSet<string> before, CancellationToken cancellationToken)
    {
        await _store.WriteAsync(name, content, cancellationToken).ConfigureAwait(false);
        if (!before.Contains(name))
        {
            added.Add(name);
        }
    }

    private ValueTask WriteAddingAsync(string name, byte[] content, List<string> added, HashSet<string> before, CancellationToken cancellationToken) =>
        WriteAddingAsync(name, new MemoryStream(content, writable: false), added, before, cancellationToken);

    /// <summary>Deletes what a failed run added, quietly: the failure that stopped it matters more, and a part left behind is a stray <see cref="ParquetLake.CheckAsync"/> names.</summary>
    private async ValueTask DeleteQuietlyAsync(List<string> added)
    {
        foreach (string name in added)
        {
            try
            {
                // Not the run's token: a cancelled run takes its objects back too.
                await _store.DeleteAsync(name, CancellationToken.None).ConfigureAwait(false);
            }
            catch (StorageException)
            {
            }
        }
    }

    /// <summary>This shard's units with the SHA-256 that reading them (the plan's <see cref="NdjsonShardPlan.SourceFor"/>) took.</summary>
    private List<ParquetLakeInput> Inputs()
    {
        if (_options.Plan is not { } plan)
        {
            return [];
        }

        return [.. plan.UnitsOf(_options.Shard.Index).Select(unit => new ParquetLakeInput(
            plan.Describe(unit),
            unit.File.Length ?? 0,
            unit.Start,
            unit.Length,
            plan.Sha256Of(unit) ?? throw new InvalidOperationException(
                $"'{plan.Describe(unit)}' (from byte {unit.Start}) was not read through: the run record takes each input's SHA-256 from the read, so run the views over the plan's SourceFor({_options.Shard.Index}).")))];
    }

    /// <summary>Starts the next part of a view: its local file, and a scratch table of the view's name to fill.</summary>
    private async ValueTask<(ITableWriter Table, LakePart Part)> OpenPartAsync(ViewSchema schema, int seq, CancellationToken cancellationToken)
    {
        // View names are unique in the sink ignoring case, so these names do not collide on a case-insensitive disk either.
        var part = new LakePart(
            ParquetLake.PartName(schema.Name, _options.Shard.Index, seq),
            Path.Combine(_scratchDirectory, string.Create(CultureInfo.InvariantCulture, $"{schema.Name}-{seq:D5}.parquet")));
        ITableWriter table = await _scratch.OpenTableAsync(schema, cancellationToken).ConfigureAwait(false);
        return (table, part);
    }

    private async ValueTask CopyOutAsync(DuckDBConnection connection, ViewSchema schema, CancellationToken cancellationToken)
    {
        LakePart part = _writers.Find(w => w.Schema.Name == schema.Name)!.CurrentPart!;
        string table = DuckDbTypeMap.Quote(schema.Name);
        // The part waits on the scratch disk, so that is the disk a failure names.
        await FileWrites.RunAsync(
            () => DuckDbSink.ExecuteAsync(
                connection,
                string.Create(CultureInfo.InvariantCulture, $"COPY {table} TO {DuckDbTypeMap.Literal(part.TempPath)} (FORMAT parquet, COMPRESSION {_options.Compression}, ROW_GROUP_SIZE {_options.RowGroupSize})"),
                cancellationToken),
            e => TableSinkException.WriteFailure(part.TempPath, e)).ConfigureAwait(false);
        part.Bytes = new FileInfo(part.TempPath).Length;
        // The next part reuses the table's name.
        await DuckDbSink.ExecuteAsync(connection, $"DROP TABLE {table}", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One part: its object name in the lake, its local file until written there, and its rows and size.</summary>
    private sealed class LakePart(string name, string tempPath)
    {
        public string Name => name;

        public string TempPath => tempPath;

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
            // Completing the scratch table copies it out to the part's local file (CopyOutAsync).
            await _table!.CompleteAsync(cancellationToken).ConfigureAwait(false);
            await _table.DisposeAsync().ConfigureAwait(false);
            _table = null;
            CurrentPart = null;
        }
    }
}
