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
/// <see cref="CompleteAsync"/> then, in this order: writes each part and each view's <c>_schema.json</c> under the run's
/// staging folder (<see cref="ParquetLake.StagingFolderName"/>, which no view's glob reads); writes the run record, the
/// commit point; moves the staged objects into the views' folders (a local rename, a server-side copy on S3 and Azure),
/// so a reader never sees half a part; deletes this shard's parts of an earlier run that the new ones did not replace;
/// and deletes this shard's earlier run records. A run that fails or is cancelled before its record is written deletes
/// what it staged and leaves the lake byte for byte as it was, so a shard run again becomes visible only once all its
/// parts are written. Only while the staged objects are moved may a reader globbing the folders see a shard's new parts
/// beside its old ones; <see cref="ParquetLake.CheckAsync"/> says when the lake is consistent again, and names a run
/// whose moves were stopped (docs/cli.md).
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

    /// <summary>
    /// What the lake holds once <see cref="CompleteAsync"/> has committed a run of one shard (0/1: the whole input, however
    /// the shard was given). Such a run is expected to leave the lake complete; <see cref="ParquetLakeStatus.IsComplete"/>
    /// is <see langword="false"/> when a reader of the views' folders would read more than its rows (a shard of an earlier
    /// run with another shard count, a part no record lists, an unfinished write), which the run leaves in place: they are
    /// another run's, and deleting them is the caller's decision (docs/cli.md, "Parquet lake and shards"). Tell the user.
    /// </summary>
    /// <value>
    /// <see langword="null"/> until then, and for a shard of a sharded run, which cannot know whether the other shards are
    /// done (<see cref="ParquetLake.CheckAsync"/> checks the whole lake once they are).
    /// </value>
    public ParquetLakeStatus? Status { get; private set; }

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
    /// Takes the SHA-256 of this shard's inputs from the read that fed the views, clears what a killed earlier run of the shard
    /// left unfinished or staged, stages the parts and schemas, writes the new run record, moves the staged objects into
    /// place, then deletes this shard's earlier parts that were not replaced and this shard's earlier run records. A run of
    /// one shard then checks the whole lake into <see cref="Status"/>.
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
            await ParquetLake.AbortUnfinishedWritesAsync(_store, $"{writer.Schema.Name}/{ParquetLake.ShardPrefix(_options.Shard.Index)}", _ => true, cancellationToken).ConfigureAwait(false);
        }

        await ParquetLake.DeleteStagedOfShardAsync(_store, _options.Shard.Index, cancellationToken).ConfigureAwait(false);

        // The run's id names its staging folder, so the id (and its time) is taken before the first object is staged.
        DateTimeOffset now = _options.TimeProvider.GetUtcNow();
        string runId = ParquetLake.RunId(now, _options.Shard);
        string record = ParquetLake.RunRecordName(runId);
        var moves = new List<(string Staged, string Name)>();
        try
        {
            // Every object the lake's readers see (parts and schemas) goes under the staging folder first: until the record is
            // written, a failure or a cancellation leaves the views' folders, and the record describing them, as they were.
            foreach (LakePart part in _writers.SelectMany(w => w.Parts))
            {
                var file = new FileStream(part.TempPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
                await using (file.ConfigureAwait(false))
                {
                    await StageAsync(runId, part.Name, file, moves, cancellationToken).ConfigureAwait(false);
                }

                // Staged: the local copy is no longer needed, and the scratch disk holds the parts not yet staged only.
                File.Delete(part.TempPath);
            }

            foreach (LakeTableWriter writer in _writers)
            {
                // The same document `view --schema json` prints: one serializer for the schema, whoever reads it.
                await StageAsync(runId, $"{writer.Schema.Name}/{ParquetLake.SchemaFileName}", new MemoryStream(Encoding.UTF8.GetBytes(TableSchemas.ToJson(writer.Schema)), writable: false), moves, cancellationToken).ConfigureAwait(false);
            }

            var run = new ParquetLakeRun(
                runId,
                _options.Shard.Index,
                _options.Shard.Count,
                now,
                _options.Plan?.Fingerprint,
                _options.Plan?.UnitBytes,
                inputs,
                [.. _writers.Select(w => new ParquetLakeView(w.Schema.Name, w.RowCount, [.. w.Parts.Select(p => new ParquetLakePart(p.Name, p.Rows, p.Bytes))]))]);
            await _store.WriteAsync(record, new MemoryStream(run.ToUtf8(), writable: false), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await DeleteQuietlyAsync(moves.Select(m => m.Staged)).ConfigureAwait(false);
            ParquetLake.RemoveStagingFolders(_store, id => string.Equals(id, runId, StringComparison.Ordinal));
            throw;
        }

        // The record is the commit point. From here the run finishes even when cancelled (CancellationToken.None): stopping
        // would leave the views mixing the two runs, while finishing takes a rename or a server-side copy per object. A
        // failure or a kill part-way leaves staged objects of a recorded run, which ParquetLake.CheckAsync names.
        foreach ((string staged, string name) in moves)
        {
            await _store.MoveAsync(staged, name, CancellationToken.None).ConfigureAwait(false);
        }

        foreach (LakeTableWriter writer in _writers)
        {
            var kept = writer.Parts.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
            foreach (string old in await ParquetLake.PartsOfShardAsync(_store, writer.Schema.Name, _options.Shard.Index, CancellationToken.None).ConfigureAwait(false))
            {
                if (!kept.Contains(old))
                {
                    await _store.DeleteAsync(old, CancellationToken.None).ConfigureAwait(false);
                }
            }
        }

        foreach (string earlier in await ParquetLake.RunRecordsOfShardAsync(_store, _options.Shard.Index, CancellationToken.None).ConfigureAwait(false))
        {
            if (!string.Equals(earlier, record, StringComparison.Ordinal))
            {
                await _store.DeleteAsync(earlier, CancellationToken.None).ConfigureAwait(false);
            }
        }

        _writers.Clear();

        // Checked here, not left to each caller: a run of one shard given as 0/1 is the same run as one given no shard, and
        // neither may leave a lake that reads more than its rows without saying so.
        if (_options.Shard.Count == 1)
        {
            Status = await ParquetLake.CheckAsync(_store, CancellationToken.None).ConfigureAwait(false);
        }
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

    /// <summary>Writes an object under the run's staging folder, noting where it is to go once the run is recorded.</summary>
    private async ValueTask StageAsync(string runId, string name, Stream content, List<(string Staged, string Name)> moves, CancellationToken cancellationToken)
    {
        string staged = ParquetLake.StagedName(runId, name);
        try
        {
            await _store.WriteAsync(staged, content, cancellationToken).ConfigureAwait(false);
        }
        catch (StorageException e)
        {
            // The user asked for the part, not for its staging name: a full disk or a missing bucket names the part.
            string asked = _store.Describe(name);
            throw new StorageException(asked, e.Message.Replace(_store.Describe(staged), asked, StringComparison.Ordinal), e.StatusCode, e.ErrorCode, e.IsTransient, e);
        }

        moves.Add((staged, name));
    }

    /// <summary>Deletes what a failed run staged, quietly: the failure that stopped it matters more, and an object left in the
    /// staging folder is read by no view's glob and deleted by the shard's next run.</summary>
    private async ValueTask DeleteQuietlyAsync(IEnumerable<string> staged)
    {
        foreach (string name in staged)
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
