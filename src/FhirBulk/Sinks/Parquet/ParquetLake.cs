using System.Globalization;
using System.Text.Json;
using FhirBulk.ExportFolder;
using FhirBulk.Ndjson;
using FhirBulk.Storage;

namespace FhirBulk.Sinks.Parquet;

/// <summary>
/// The layout of a Parquet lake that <see cref="ParquetLakeSink"/> writes, and the check that all N shards of a run are
/// in it: <c>DIR/&lt;view&gt;/part-&lt;shard&gt;-&lt;seq&gt;.parquet</c>, <c>DIR/&lt;view&gt;/_schema.json</c> and
/// <c>DIR/_runs/&lt;run-id&gt;.json</c>.
/// </summary>
/// <remarks>
/// A reader takes a view as one table with a glob over its folder, such as DuckDB's
/// <c>read_parquet('DIR/patients/*.parquet')</c>; names starting with <c>_</c> or <c>.</c> are metadata and staging,
/// which such globs, Spark and Hive leave out.
/// </remarks>
public static class ParquetLake
{
    /// <summary>The folder of run records.</summary>
    public const string RunsFolderName = "_runs";

    /// <summary>
    /// The folder where a run stages its objects until all are written: <c>DIR/_staging/&lt;run-id&gt;/&lt;view&gt;/…</c>.
    /// It is outside every view's folder, so no glob over one (not even a recursive <c>&lt;view&gt;/**</c>) reads it, and
    /// its leading <c>_</c> makes Spark, Hive and pyarrow skip it in a listing of DIR, as they skip <c>_runs</c>. Not a
    /// leading <c>.</c>: .NET takes such files for hidden and a local folder's listing leaves them out.
    /// </summary>
    public const string StagingFolderName = "_staging";

    /// <summary>The schema file in each view's folder.</summary>
    public const string SchemaFileName = "_schema.json";

    /// <summary>The name of part <paramref name="seq"/> of shard <paramref name="shard"/>: <c>part-00002-00000.parquet</c>.</summary>
    /// <param name="shard">The shard, 0-based.</param>
    /// <param name="seq">The part's number within the shard's parts of the view, from 0.</param>
    /// <returns>The file name.</returns>
    public static string PartFileName(int shard, int seq) => string.Create(CultureInfo.InvariantCulture, $"{ShardPrefix(shard)}{seq:D5}.parquet");

    /// <summary>
    /// Checks that a lake in a local folder holds every shard of its run; see <see cref="CheckAsync"/>.
    /// </summary>
    /// <param name="directory">The lake's folder.</param>
    /// <returns>What the lake holds and what is wrong with it.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public static ParquetLakeStatus Check(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string root = Path.GetFullPath(directory);
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"Lake folder '{directory}' does not exist.");
        }

        // Blocking on a local store waits only on the file system, as a synchronous read of the folder would.
        using ObjectStore store = ObjectStore.Create(StorageLocation.Parse(root));
        return CheckAsync(store).AsTask().GetAwaiter().GetResult();
    }

    /// <summary>
    /// Checks that a lake holds every shard of its run: one run record per shard 0..N−1, all with the same N and plan
    /// fingerprint, every part they list present with its recorded size, and no part that no record lists. One listing
    /// of the lake's objects, then one read per run record.
    /// </summary>
    /// <param name="store">The lake: a local folder, or an S3 or Azure Blob prefix.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>What the lake holds and what is wrong with it; a location with nothing under it holds no run record.</returns>
    /// <exception cref="StorageException">The store could not be listed or read.</exception>
    public static async ValueTask<ParquetLakeStatus> CheckAsync(ObjectStore store, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var objects = new Dictionary<string, long>(StringComparer.Ordinal);
        await foreach (StoredObject stored in store.ListAsync("", cancellationToken).ConfigureAwait(false))
        {
            objects[stored.Name] = stored.Size;
        }

        var problems = new List<string>();
        var latest = new SortedDictionary<int, ParquetLakeRun>();
        foreach (string name in objects.Keys.Where(IsRunRecord).Order(StringComparer.Ordinal))
        {
            ParquetLakeRun run;
            try
            {
                run = await ParquetLakeRun.ReadAsync(store, name, cancellationToken).ConfigureAwait(false);
            }
            catch (JsonException ex)
            {
                problems.Add($"{name} is not a run record: {ex.Message}");
                continue;
            }

            // A shard run again replaces its record; should an old one be left (a crash between the two), the newest counts.
            if (!latest.TryGetValue(run.ShardIndex, out ParquetLakeRun? seen) || run.CompletedAt > seen.CompletedAt)
            {
                latest[run.ShardIndex] = run;
            }
        }

        List<ParquetLakeRun> records = [.. latest.Values];
        int? shardCount = records.Count == 0 ? null : records.MaxBy(r => r.CompletedAt)!.ShardCount;
        foreach (ParquetLakeRun run in records.Where(r => r.ShardCount != shardCount || r.ShardIndex >= shardCount))
        {
            problems.Add($"shard {run.ShardIndex}/{run.ShardCount} ({run.RunId}) belongs to a run of {run.ShardCount} shards, the latest run has {shardCount}.");
        }

        foreach (var fingerprint in records.Where(r => r.ShardCount == shardCount).GroupBy(r => r.PlanFingerprint).Skip(1))
        {
            var others = fingerprint.Select(r => r.ShardIndex).ToList();
            problems.Add($"{(others.Count == 1 ? "shard" : "shards")} {string.Join(", ", others)} split a different input (plan {fingerprint.Key ?? "none"}) from shard {records[0].ShardIndex}.");
        }

        var listed = new HashSet<string>(StringComparer.Ordinal);
        foreach (ParquetLakeRun run in records)
        {
            foreach (ParquetLakePart part in run.Views.SelectMany(v => v.Parts))
            {
                listed.Add(part.Path);
                if (!objects.TryGetValue(part.Path, out long bytes))
                {
                    problems.Add($"{part.Path} of shard {run.ShardIndex} is missing.");
                }
                else if (bytes != part.Bytes)
                {
                    problems.Add($"{part.Path} of shard {run.ShardIndex} is {bytes} bytes, its run wrote {part.Bytes}.");
                }
            }
        }

        List<string> strays = [.. objects.Keys.Where(name => IsReadPart(name) && !listed.Contains(name)).Order(StringComparer.Ordinal)];

        // A lost run record leaves every part of its shard a stray: name a few and count the rest, not one line each.
        if (strays.Count > 0)
        {
            string named = Counted.FirstOf(strays, 3);
            problems.Add(strays.Count == 1
                ? $"{named} is listed by no shard's latest run: a reader of the folder would read it too."
                : $"{strays.Count} parts are listed by no shard's latest run ({named}): a reader of the folder would read them too.");
        }

        // In a local folder an unfinished write is a file beside its part, which a directory reader (Spark, pyarrow) may take
        // for data; an S3 multipart upload or uncommitted Azure blocks are invisible to readers, so only the folder's count here.
        if (store.Location.Kind == StorageKind.Local)
        {
            // The store's own writes in progress (part-….parquet.<guid>.tmp) go when the shard runs again; any other .tmp (a
            // hidden one, a file of another tool) no run removes, so the user is told to delete it rather than to run again.
            List<string> temporary = UnfinishedLocalWrites(store.Location.Path!);
            List<string> unfinished = [.. temporary.Where(AtomicFile.IsTemporaryPath)];
            List<string> foreign = [.. temporary.Where(name => !AtomicFile.IsTemporaryPath(name))];
            if (unfinished.Count > 0)
            {
                problems.Add($"{FhirBulk.Counted.Of(unfinished.Count, "unfinished write")} ({Listed(unfinished)}) left by a run that was killed: a reader of the folder may take {(unfinished.Count == 1 ? "it" : "them")} for data; run that shard again, which removes {(unfinished.Count == 1 ? "it" : "them")}.");
            }

            if (foreign.Count > 0)
            {
                problems.Add($"{FhirBulk.Counted.Of(foreign.Count, "temporary file")} ({Listed(foreign)}) beside the parts, which no run of the lake removes: a reader of the folder may take {(foreign.Count == 1 ? "it" : "them")} for data; delete {(foreign.Count == 1 ? "it" : "them")}.");
            }
        }

        // A run moves its staged objects into place only after writing its record: staged objects of a recorded run mean
        // the moves were stopped, and the view folders hold some new objects beside old ones of the same names.
        foreach (var staged in objects.Keys.Where(name => name.StartsWith(StagingFolderName + "/", StringComparison.Ordinal))
                     .GroupBy(name => name.Split('/')[1], StringComparer.Ordinal)
                     .Where(g => objects.ContainsKey(RunRecordName(g.Key)))
                     .OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            problems.Add($"run {staged.Key} was stopped while moving its parts into place: {FhirBulk.Counted.Of(staged.Count(), "object")} still under {StagingFolderName}/{staged.Key}/, so its views may mix it with the run before; run shard {ShardOf(staged.Key)} again.");
        }

        int[] missing = shardCount is { } n ? [.. Enumerable.Range(0, n).Where(i => !latest.ContainsKey(i))] : [];
        return new ParquetLakeStatus(store.Location.ToString(), shardCount, records, missing, problems) { IsLake = objects.Keys.Any(IsLakeObject), StrayParts = strays };
    }

    /// <summary>
    /// Whether an object is one only a lake holds: a run record, a staged object, a view's schema or a part (a whole one or
    /// a write in progress). An export folder or any other folder of files has none of them.
    /// </summary>
    private static bool IsLakeObject(string name)
    {
        if (name.StartsWith(RunsFolderName + "/", StringComparison.Ordinal) || name.StartsWith(StagingFolderName + "/", StringComparison.Ordinal))
        {
            return true;
        }

        int slash = name.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || slash != name.LastIndexOf('/'))
        {
            return false;
        }

        string file = name[(slash + 1)..];
        return file == SchemaFileName || (file.StartsWith("part-", StringComparison.Ordinal) && file.Contains(".parquet", StringComparison.Ordinal));
    }

    private static string Listed(List<string> names) => string.Join(", ", names.Take(3)) + (names.Count > 3 ? ", …" : "");

    /// <summary>
    /// The <c>….tmp</c> files of a local lake outside <c>_staging/</c>, by object name: the store's own writes in progress
    /// (<c>part-….parquet.&lt;guid&gt;.tmp</c>), and hidden ones (<c>.part-….tmp</c>) that the store's listing skips, as .NET
    /// takes a leading <c>.</c> for hidden, but that a killed writer leaves all the same.
    /// </summary>
    private static List<string> UnfinishedLocalWrites(string root)
    {
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.None };
        try
        {
            return Directory.Exists(root)
                ? [.. Directory.EnumerateFiles(root, "*.tmp", options)
                    .Select(path => Path.GetRelativePath(root, path).Replace(Path.DirectorySeparatorChar, '/'))
                    .Where(name => !name.StartsWith(StagingFolderName + "/", StringComparison.Ordinal))
                    .Order(StringComparer.Ordinal)]
                : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw LocalObjectStore.Failure(root, e);
        }
    }

    /// <summary>
    /// Aborts the writes under <paramref name="prefix"/> that a killed run started and never completed: a local temporary
    /// file, an S3 multipart upload (billed until aborted). A server that cannot list them (s3rver answers 501) has none
    /// that can be found, so there is nothing to do.
    /// </summary>
    internal static async ValueTask AbortUnfinishedWritesAsync(ObjectStore store, string prefix, Func<string, bool> ofName, CancellationToken cancellationToken)
    {
        List<PendingUpload> pending;
        try
        {
            pending = await store.ListPendingUploadsAsync(prefix, cancellationToken).ToListAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (StorageException e) when (e.StatusCode == System.Net.HttpStatusCode.NotImplemented)
        {
            return;
        }

        foreach (PendingUpload upload in pending.Where(u => ofName(u.Name)))
        {
            await store.AbortPendingUploadAsync(upload, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Where a run stages an object until its record is written: <c>_staging/&lt;run-id&gt;/&lt;name&gt;</c>.</summary>
    internal static string StagedName(string runId, string name) => $"{StagingFolderName}/{runId}/{name}";

    /// <summary>
    /// Deletes what earlier runs of a shard left staged: objects and unfinished writes under <c>_staging/</c> of a run
    /// that was killed (or whose clean-up failed) before or while moving them into place.
    /// </summary>
    internal static async ValueTask DeleteStagedOfShardAsync(ObjectStore store, int shard, CancellationToken cancellationToken)
    {
        string marker = ShardMarker(shard);
        bool OfShard(string name) => name.Split('/')[1].Contains(marker, StringComparison.Ordinal);
        await foreach (StoredObject stored in store.ListAsync(StagingFolderName + "/", cancellationToken).ConfigureAwait(false))
        {
            if (OfShard(stored.Name))
            {
                await store.DeleteAsync(stored.Name, cancellationToken).ConfigureAwait(false);
            }
        }

        await AbortUnfinishedWritesAsync(store, StagingFolderName + "/", OfShard, cancellationToken).ConfigureAwait(false);
        RemoveStagingFolders(store, runId => runId.Contains(marker, StringComparison.Ordinal));
    }

    /// <summary>
    /// Removes the local staging folders of the runs <paramref name="ofRun"/> picks, with whatever they still hold, and then
    /// <c>_staging/</c> itself when empty. Deleting objects leaves no folder behind, but a write that failed or was killed
    /// after making its folder leaves one without objects, which no listing of the store finds; a bucket has no folders.
    /// </summary>
    /// <param name="store">The lake.</param>
    /// <param name="ofRun">Whether a run id is one whose folder is to go: only the caller's shard, as other shards may be staging now.</param>
    internal static void RemoveStagingFolders(ObjectStore store, Func<string, bool> ofRun)
    {
        if (store.Location.Kind != StorageKind.Local)
        {
            return;
        }

        string staging = Path.Combine(store.Location.Path!, StagingFolderName);
        try
        {
            if (!Directory.Exists(staging))
            {
                return;
            }

            foreach (string folder in Directory.EnumerateDirectories(staging).Where(f => ofRun(Path.GetFileName(f))))
            {
                Directory.Delete(folder, recursive: true);
            }

            // Not recursive: another shard's run may have just made its folder in it.
            if (!Directory.EnumerateFileSystemEntries(staging).Any())
            {
                Directory.Delete(staging);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Another run filled it again, or it cannot be removed: an empty folder outside the views is read by no reader.
        }
    }

    internal static string ShardPrefix(int shard) => string.Create(CultureInfo.InvariantCulture, $"part-{shard:D5}-");

    /// <summary>The object name of a part: <c>&lt;view&gt;/part-&lt;shard&gt;-&lt;seq&gt;.parquet</c>.</summary>
    internal static string PartName(string view, int shard, int seq) => $"{view}/{PartFileName(shard, seq)}";

    /// <summary>The parts of one shard in a view's folder, by object name.</summary>
    internal static async ValueTask<List<string>> PartsOfShardAsync(ObjectStore store, string view, int shard, CancellationToken cancellationToken)
    {
        var parts = new List<string>();
        await foreach (StoredObject stored in store.ListAsync($"{view}/{ShardPrefix(shard)}", cancellationToken).ConfigureAwait(false))
        {
            if (IsReadPart(stored.Name))
            {
                parts.Add(stored.Name);
            }
        }

        return parts;
    }

    /// <summary>The run records of one shard, by object name: the shard is in the record's name (<see cref="RunId"/>), so
    /// finding them costs one listing, not a read of every shard's record.</summary>
    internal static async ValueTask<List<string>> RunRecordsOfShardAsync(ObjectStore store, int shard, CancellationToken cancellationToken)
    {
        string marker = ShardMarker(shard);
        var records = new List<string>();
        await foreach (StoredObject stored in store.ListAsync(RunsFolderName + "/", cancellationToken).ConfigureAwait(false))
        {
            if (IsRunRecord(stored.Name) && stored.Name.Contains(marker, StringComparison.Ordinal))
            {
                records.Add(stored.Name);
            }
        }

        return records;
    }

    /// <summary>The object name of a run's record: <c>_runs/&lt;run-id&gt;.json</c>.</summary>
    internal static string RunRecordName(string runId) => $"{RunsFolderName}/{runId}.json";

    /// <summary>A run's id: its UTC completion time (so ids sort by time), its shard and a random suffix.</summary>
    internal static string RunId(DateTimeOffset completedAt, ShardSpec shard) => string.Create(
        CultureInfo.InvariantCulture,
        $"{completedAt.UtcDateTime:yyyyMMdd'T'HHmmssfff'Z'}-shard-{shard.Index}-of-{shard.Count}-{Path.GetFileNameWithoutExtension(Path.GetRandomFileName())}");

    /// <summary>What every run id of a shard holds (<see cref="RunId"/>).</summary>
    private static string ShardMarker(int shard) => string.Create(CultureInfo.InvariantCulture, $"-shard-{shard}-of-");

    /// <summary>The shard in a run id (<see cref="RunId"/>).</summary>
    private static string ShardOf(string runId) => runId.Split("-shard-")[^1].Split("-of-")[0];

    private static bool IsRunRecord(string name) =>
        name.StartsWith(RunsFolderName + "/", StringComparison.Ordinal) && name.EndsWith(".json", StringComparison.Ordinal) && name.Count(c => c == '/') == 1;

    /// <summary>
    /// Whether a glob over a view's folder (<c>&lt;view&gt;/*.parquet</c>) reads the object: a <c>.parquet</c> directly in a
    /// folder, neither named with a leading <c>_</c> or <c>.</c>, which readers leave out.
    /// </summary>
    private static bool IsReadPart(string name)
    {
        int slash = name.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 && slash == name.LastIndexOf('/') && name.EndsWith(".parquet", StringComparison.Ordinal)
            && name[0] is not ('_' or '.') && name[slash + 1] is not ('_' or '.');
    }
}

/// <summary>What <see cref="ParquetLake.Check"/> found.</summary>
/// <param name="Directory">The lake's folder (its full path) or URL (<c>s3://bucket/prefix/lake/</c>).</param>
/// <param name="ShardCount">How many shards the latest run was split into, or <see langword="null"/> when the lake has no run record.</param>
/// <param name="Runs">The latest run record of each shard, by shard.</param>
/// <param name="MissingShards">The shards (0-based) of the latest run that have no record: not run, still running, or failed.</param>
/// <param name="Problems">What else makes the lake inconsistent: missing or changed parts, parts no record lists, runs that disagree.</param>
public sealed record ParquetLakeStatus(string Directory, int? ShardCount, IReadOnlyList<ParquetLakeRun> Runs, IReadOnlyList<int> MissingShards, IReadOnlyList<string> Problems)
{
    /// <summary>Whether every shard is there and nothing is wrong: readers of the folders get exactly one run's rows.</summary>
    public bool IsComplete => ShardCount is not null && MissingShards.Count == 0 && Problems.Count == 0;

    /// <summary>
    /// Whether the location holds anything of a lake: a run record (<c>_runs/</c>), staged objects (<c>_staging/</c>), or a
    /// view's <c>part-*.parquet</c> or <c>_schema.json</c>. <see langword="false"/> for an empty location and for a folder of
    /// other files (an export folder given by mistake): there a missing shard is not the problem, the location is.
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool IsLake { get; init; } = true;

    /// <summary>
    /// The parts no shard's latest run lists (<c>view/part-….parquet</c>, in ordinal order), each read by a glob over its
    /// view's folder beside the run's rows; <see cref="Problems"/> names them too.
    /// </summary>
    /// <value>The default value is empty.</value>
    public IReadOnlyList<string> StrayParts { get; init; } = [];

    /// <summary>
    /// A view whose folder a reader would read rows of no run of the latest from: the first with a part no run lists, else
    /// the first with a part of another run's shard; <see langword="null"/> when no folder holds either. An example for a
    /// warning must name a folder that has them, not merely one of the run's views.
    /// </summary>
    public string? ViewReadBesideOtherRows =>
        StrayParts.Select(part => part[..part.IndexOf('/', StringComparison.Ordinal)])
            .Concat(OtherRunShards.SelectMany(run => run.Views.Where(view => view.Parts.Count > 0).Select(view => view.Name)))
            .FirstOrDefault();

    /// <summary>The shards of the latest run (<see cref="ShardCount"/> of them at the most), by shard.</summary>
    public IReadOnlyList<ParquetLakeRun> LatestRunShards => [.. Runs.Where(IsOfLatestRun)];

    /// <summary>
    /// Shards of earlier runs split another number of ways that the latest run did not replace (its shards replace only
    /// theirs, by number): <c>view --shard 0/1</c> into a lake of two shards leaves shard 1/2. Their parts are read beside
    /// the latest run's; <see cref="Problems"/> names them.
    /// </summary>
    public IReadOnlyList<ParquetLakeRun> OtherRunShards => [.. Runs.Where(r => !IsOfLatestRun(r))];

    /// <summary>
    /// The shards present, each run told apart: <c>2 shards of 3</c>, or <c>1 shard of 1, and shard 1/2 of another run</c>
    /// (shards are numbered from 0, as in <c>--shard</c>); <c>no shard</c> without a run record.
    /// </summary>
    public string ShardsText
    {
        get
        {
            if (ShardCount is not { } count)
            {
                return "no shard";
            }

            IEnumerable<string> others = OtherRunShards.GroupBy(r => r.ShardCount).OrderBy(g => g.Key).Select(g =>
                $", and {(g.Count() == 1 ? "shard" : "shards")} {string.Join(", ", g.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.ShardIndex}/{r.ShardCount}")))} of another run");
            return string.Create(CultureInfo.InvariantCulture, $"{Counted.Of(LatestRunShards.Count, "shard")} of {count}") + string.Concat(others);
        }
    }

    private bool IsOfLatestRun(ParquetLakeRun run) => run.ShardCount == ShardCount && run.ShardIndex < ShardCount;

    /// <summary>Rows per view, all shards together, in ordinal order of view.</summary>
    public IReadOnlyDictionary<string, long> RowsByView =>
        new SortedDictionary<string, long>(
            Runs.SelectMany(r => r.Views).GroupBy(v => v.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(v => v.Rows), StringComparer.Ordinal),
            StringComparer.Ordinal);
}
