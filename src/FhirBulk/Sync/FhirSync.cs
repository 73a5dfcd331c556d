using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using FhirBulk.Export;
using FhirBulk.ExportFolder;
using FhirBulk.Sinks.DuckDb;
using FhirBulk.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FhirBulk.Sync;

/// <summary>
/// Keeps tables equal to "a full export and view run today" from a series of Bulk Data exports: the first run of
/// <see cref="SyncAsync"/> exports everything, each later one exports with <c>_since</c> set to the previous export's
/// <c>transactionTime</c> and applies that increment's new versions and deletions to the tables in one transaction.
/// </summary>
/// <remarks>
/// <para>A sync folder holds:</para>
/// <list type="bullet">
/// <item><c>sync.json</c>: the server, the request, each increment's <c>_since</c> and transactionTime (as the server wrote
/// them) and whether it is applied, the tables and the fingerprint of the views they were made with.</item>
/// <item><c>increments/0001/</c>, <c>increments/0002/</c>, …: each increment's export folder, with everything
/// <see cref="BulkDataClient.ExportToDirectoryAsync"/> guarantees (verification, resume, the folder lock); at Group level
/// also <c>group.json</c>, the Group as read after the export.</item>
/// <item><c>tables.duckdb</c>: one table per view, with the key columns <c>_resource_key</c> and <c>_patient_key</c>.</item>
/// <item><c>refused/NNNN-&lt;time&gt;/</c>: increments that were not applied (their transactionTime was refused, or their export
/// was incomplete), kept only to look at why. None is removed while its increment is not applied, so a server that keeps
/// failing leaves one per run; the run that applies increment NNNN, exported with the same <c>_since</c>, removes every copy of
/// it (<see cref="SyncResult.RefusedRemoved"/>).</item>
/// </list>
/// </remarks>
/// <example>
/// <code>
/// using var client = new BulkDataClient(new Uri("https://example.org/fhir"), clientOptions);
/// var sync = new FhirSync(client);
/// SyncResult result = await sync.SyncAsync("mart", new ExportRequest { Level = ExportLevel.Patient }, SyncViews.Load("views"));
/// </code>
/// </example>
public sealed partial class FhirSync
{
    private const string IncrementsFolderName = "increments";
    private const string RefusedFolderName = "refused";

    /// <summary>
    /// Why a sync refuses <c>_typeFilter</c>: an export with <c>_since</c> and a filter returns the resources that changed and
    /// match it now, so one that changed to match no more is neither sent nor listed as deleted, and its old rows would stay
    /// where a full export today has none. A view's <c>where</c> filters the same rows and is applied to every version.
    /// </summary>
    internal const string TypeFilterRefusal =
        "an export with _since and _typeFilter leaves out resources that changed so as to match the filter no more, and lists them nowhere, so their old rows would stay in the tables; filter in the views instead (a ViewDefinition's where).";

    private readonly BulkDataClient _client;
    private readonly FhirSyncOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates a sync over <paramref name="client"/>'s server.</summary>
    /// <param name="client">The server's client; the caller disposes it.</param>
    /// <param name="options">How to make the tables; <see langword="null"/> for the defaults.</param>
    /// <param name="logger">Where to log each run; <see langword="null"/> for none.</param>
    public FhirSync(BulkDataClient client, FhirSyncOptions? options = null, ILogger<FhirSync>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        _client = client;
        _options = (options ?? new FhirSyncOptions()).Validated();
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>A test's hook into the table update, called just before its transaction commits.</summary>
    internal Func<CancellationToken, ValueTask>? BeforeCommit { get; init; }

    /// <summary>
    /// Exports the next increment into <paramref name="directory"/> and applies it to the tables: the first run a full export,
    /// later runs an export with <c>_since</c> = the previous increment's transactionTime. An increment that failed or was
    /// interrupted is carried on (its export resumed, or its table update done again) by the next call.
    /// </summary>
    /// <param name="directory">
    /// The sync folder (created when missing). A first run whose export no server took (a wrong base URL, a refused request)
    /// leaves it as it was before the call: removed again when the call made it, emptied again when it was empty.
    /// </param>
    /// <param name="request">
    /// What to export (<see cref="ExportRequest.Since"/> is ignored: the sync sets it); <see langword="null"/> to use the one
    /// the folder recorded. A request other than the recorded one is refused.
    /// </param>
    /// <param name="views">The views to keep tables of. When their fingerprint differs from the folder's (or the format
    /// from the folder's), the tables are rebuilt from every increment (<see cref="SyncResult.RebuiltFrom"/>, <see cref="SyncResult.Rebuilt"/>).</param>
    /// <param name="progress">Receives the increment's export progress.</param>
    /// <param name="cancellationToken">Stops the run; the tables stay as the last commit made them, and the next call carries on.</param>
    /// <returns>What the run did.</returns>
    /// <exception cref="FhirBulkException">
    /// The export failed, or the server's transactionTime is malformed or not later than the previous increment's (both
    /// named; the tables are untouched and the increment is moved to <c>refused/</c>).
    /// </exception>
    /// <exception cref="ExportFolderException">
    /// The folder syncs another server or request, has no recorded request and none was given, is locked by another
    /// sync, or cannot be written.
    /// </exception>
    /// <exception cref="Views.ViewEvaluationException">A view failed on a resource and <see cref="FhirSyncOptions.ViewErrors"/> is <see cref="ErrorPolicy.Fail"/>.</exception>
    /// <exception cref="IncompleteIncrementException">
    /// The increment's export finished without everything in it (server error issues, invalid lines, count mismatches): it is
    /// not applied, it is moved to <c>refused/</c>, and the next call exports the same changes again.
    /// </exception>
    /// <exception cref="ArgumentException"><paramref name="request"/> cannot be synced (<see cref="ValidateRequest"/>).</exception>
    public async Task<SyncResult> SyncAsync(string directory, ExportRequest? request, SyncViews views, IProgress<ExportProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentNullException.ThrowIfNull(views);
        if (request is not null)
        {
            ValidateRequest(request);
        }

        directory = Path.GetFullPath(directory);
        RefuseForeignFolder(directory);
        var made = OutermostMissing(directory);
        Directory.CreateDirectory(directory);
        using var folderLock = ExportFolderLock.Acquire(directory, "sync");
        var state = OpenState(directory, request);

        // Tables first brought up to the increments already exported: a view change rebuilds them from all of them, a crash
        // between an increment's export (or its commit) and its record applies it again (idempotent: its keys' rows are replaced).
        var format = _options.Format ?? state.Format ?? SyncFormat.DuckDb;
        var reasons = state.ViewFingerprint is null ? SyncRebuildReasons.None
            : (state.ViewFingerprint != views.Fingerprint ? SyncRebuildReasons.ViewsChanged : SyncRebuildReasons.None)
            | ((state.Format ?? SyncFormat.DuckDb) != format ? SyncRebuildReasons.FormatChanged : SyncRebuildReasons.None);
        var rebuilt = reasons != SyncRebuildReasons.None;
        // One reader per increment folder for the run, so that its deleted Bundles are read once.
        var folders = new Dictionary<int, IncrementFolder>();
        IncrementFolder FolderOf(int number) => folders.TryGetValue(number, out var folder) ? folder : folders[number] = new IncrementFolder(IncrementDirectory(directory, number));
        IReadOnlyDictionary<string, TableChanges>? pendingChanges = null;
        int? pendingNumber = null;
        if (rebuilt)
        {
            SyncLog.Rebuilding(_logger, state.Increments.Count + 1, SyncResult.Describe(reasons, format));
            await VerifyAsync(directory, state.Increments, cancellationToken).ConfigureAwait(false);
        }
        else if (state.Increments.LastOrDefault() is { Applied: false } pending)
        {
            SyncLog.ApplyingPending(_logger, pending.Number);
            await VerifyAsync(directory, [pending], cancellationToken).ConfigureAwait(false);
            (_, pendingChanges) = await ApplyAsync(directory, state, [pending], views, format, rebuild: false, FolderOf, cancellationToken).ConfigureAwait(false);
            pendingNumber = pending.Number;
        }

        var previous = state.Increments.LastOrDefault();
        if (previous is not null && !IsFhirInstant(previous.TransactionTime))
        {
            // Without this check a value that does not parse became no _since at all: a full export, which lists no deletions.
            throw new ExportFolderException(directory, $"{SyncState.PathIn(directory)} records increment {previous.Number}'s transactionTime as '{previous.TransactionTime}', which is not a FHIR instant, so the next _since cannot be taken from it: put back the value its manifest holds ({Path.Combine(IncrementDirectory(directory, previous.Number), ExportFolderLayout.ManifestFileName)}), or start a new sync folder.");
        }

        var increment = new SyncIncrement { Number = state.Increments.Count + 1, Since = previous?.TransactionTime };
        var incrementDirectory = IncrementDirectory(directory, increment.Number);
        SyncLog.Exporting(_logger, increment.Number, directory, increment.Since ?? "the beginning");
        ExportResult export;
        try
        {
            export = await ExportAsync(state.Request, increment, incrementDirectory, progress, cancellationToken).ConfigureAwait(false);
        }
        catch when (state.Increments.Count == 0 && !KickedOff(incrementDirectory))
        {
            // A first export the server never took (wrong URL, refused request): the folder goes back to how it was, so that
            // the same command with the right server starts afresh rather than being refused as another server's folder.
            ForgetFirstSync(directory, folderLock, made);
            throw;
        }
        increment.TransactionTime = CheckedTransactionTime(directory, incrementDirectory, export, previous?.TransactionTime);
        if (export.DescribePartial() is { } partial)
        {
            var keptIn = Refuse(directory, incrementDirectory);
            throw new IncompleteIncrementException(
                $"Increment {Path.GetFileName(incrementDirectory)} is incomplete: {partial}; it was not applied (the next increment asks only for changes after it, so its failed resources would be missing for good) and is kept in {keptIn}.",
                increment.Number,
                keptIn);
        }
        if (state.Request.Level == ExportLevel.Group)
        {
            await SaveGroupAsync(incrementDirectory, state.Request.GroupId!, cancellationToken).ConfigureAwait(false);
        }

        state.Increments.Add(increment);
        state.Save(directory);

        var apply = rebuilt ? state.Increments : [increment];
        var (rows, changes) = await ApplyAsync(directory, state, apply, views, format, rebuilt, FolderOf, cancellationToken).ConfigureAwait(false);
        var deleted = (await FolderOf(increment.Number).DeletedKeysAsync(cancellationToken).ConfigureAwait(false)).Count;
        SyncLog.Applied(_logger, increment.Number, rows.Values.Sum(), rows.Count);
        if (pendingChanges is not null)
        {
            changes = changes.ToDictionary(c => c.Key, c => pendingChanges.TryGetValue(c.Key, out var before) ? before + c.Value : c.Value, StringComparer.Ordinal);
        }

        var refusedRemoved = RemoveSupersededRefusals(directory, state);
        return new SyncResult(directory, increment.Number, incrementDirectory, export, deleted, rebuilt ? apply.Count : 0, format, TablesPath(directory, format), rows, changes)
        {
            Rebuilt = reasons,
            PendingApplied = pendingNumber,
            RefusedRemoved = refusedRemoved,
        };
    }

    /// <summary>Checks that <paramref name="request"/> can be synced: a valid export request without type filters.</summary>
    /// <param name="request">The request of a sync's increments.</param>
    /// <exception cref="ArgumentException">
    /// The request is invalid (a Group export without <see cref="ExportRequest.GroupId"/>, patients at system level), or has type filters: an export with <c>_since</c> and
    /// <c>_typeFilter</c> leaves out resources that changed so as to match the filter no more, and lists them nowhere, so
    /// their old rows would stay where a full export has none (filter in the views instead).
    /// </exception>
    public static void ValidateRequest(ExportRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        if (request.TypeFilters.Count > 0)
        {
            throw new ArgumentException(TypeFilterRefusal, nameof(request));
        }
    }

    /// <summary>
    /// What the latest increment of the sync folder <paramref name="directory"/> recorded about its export (server, request,
    /// credentials without secrets, options), so that a later run can connect from the folder alone.
    /// </summary>
    /// <param name="directory">The sync folder.</param>
    /// <returns>The settings, or <see langword="null"/> when the folder holds no increment yet.</returns>
    public static ExportFolderSettings? ReadLatestExportSettings(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var increments = Path.Combine(directory, IncrementsFolderName);
        var latest = Directory.Exists(increments)
            ? Directory.EnumerateDirectories(increments).Order(StringComparer.Ordinal).LastOrDefault(d => ExportState.Load(d) is not null)
            : null;
        return latest is null ? null : BulkDataClient.ReadExportSettings(latest);
    }

    /// <summary>
    /// Rewrites the Parquet lake of the sync folder <paramref name="directory"/> without tombstones: its current rows become
    /// one new base snapshot, recorded last, and the snapshots before it are deleted. Nothing is exported.
    /// </summary>
    /// <param name="directory">A sync folder whose tables are a Parquet lake (<see cref="SyncFormat.Parquet"/>).</param>
    /// <param name="options">How DuckDB runs while the lake is rewritten; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Stops the rewrite; until its record is written, readers see the lake as it was.</param>
    /// <returns>The new base snapshot.</returns>
    /// <exception cref="ExportFolderException">The folder is not a sync folder with a lake, or is locked by another sync.</exception>
    public static async Task<LakeSnapshot> CompactAsync(string directory, FhirSyncOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        directory = Path.GetFullPath(directory);
        var validated = (options ?? new FhirSyncOptions()).Validated();
        if (SyncState.Load(directory) is not { Format: SyncFormat.Parquet })
        {
            throw new ExportFolderException(directory, !Directory.Exists(directory)
                ? $"{directory} does not exist: compact a sync folder whose tables are a Parquet lake (sync --format parquet)."
                : $"{directory} is not a sync folder whose tables are a Parquet lake: only a lake (sync --format parquet) is compacted.");
        }

        using var folderLock = ExportFolderLock.Acquire(directory, "sync");
        var lake = new SyncLake(TablesPath(directory, SyncFormat.Parquet), new FhirTablesOptions(), validated.DuckDb);
        return await lake.CompactAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new ExportFolderException(directory, $"{lake.Directory} has no snapshot yet: run a sync first.");
    }

    /// <summary>The latest complete snapshot of a sync folder's Parquet lake: its highest-numbered record in <c>lake/_snapshots/</c>.</summary>
    /// <param name="lakeDirectory">The lake, <c>SYNC_DIR/lake</c>.</param>
    /// <returns>The snapshot, or <see langword="null"/> when the lake has none yet.</returns>
    /// <exception cref="ExportFolderException">The latest record is not a snapshot record.</exception>
    public static LakeSnapshot? ReadLatestSnapshot(string lakeDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(lakeDirectory);
        return SyncLake.Latest(Path.GetFullPath(lakeDirectory));
    }

    /// <summary>
    /// DuckDB SQL that reads the current rows of one view of a sync folder's Parquet lake as of <paramref name="snapshot"/>:
    /// the rows of the snapshots from its base to it, minus those whose <c>_resource_key</c> a later one of them tombstones.
    /// </summary>
    /// <param name="lakeDirectory">The lake, <c>SYNC_DIR/lake</c>.</param>
    /// <param name="view">The view's name (its folder in each snapshot).</param>
    /// <param name="snapshot">The snapshot to read, usually <see cref="ReadLatestSnapshot"/>'s.</param>
    /// <returns>A <c>SELECT</c> with the view's columns and the two key columns.</returns>
    public static string CurrentRowsSql(string lakeDirectory, string view, LakeSnapshot snapshot)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(lakeDirectory);
        ArgumentException.ThrowIfNullOrWhiteSpace(view);
        ArgumentNullException.ThrowIfNull(snapshot);
        return SyncLake.CurrentRowsSql(Path.GetFullPath(lakeDirectory), view, snapshot);
    }

    private static ExportState? ExportStateOf(string incrementDirectory) =>
        Directory.Exists(incrementDirectory) ? ExportState.Load(incrementDirectory) : null;

    /// <summary>
    /// A folder without <c>sync.json</c> becomes a sync folder only when it is new or empty: an export folder or a generated
    /// population given as <c>--out</c> by a slip would otherwise take increments, a state and tables beside its own files
    /// (as an export refuses files it did not write). <c>sync.json</c> is written before the first export, so a first sync
    /// that was interrupted is a sync folder already.
    /// </summary>
    private static void RefuseForeignFolder(string directory)
    {
        if (!Directory.Exists(directory) || File.Exists(SyncState.PathIn(directory)))
        {
            return;
        }

        var foreign = Directory.EnumerateFileSystemEntries(directory)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(name => !ExportFolderLock.IsLockFile(name))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (foreign.Count > 0)
        {
            var shown = Counted.FirstOf(foreign, 5);
            throw new ExportFolderException(directory, $"{directory} is not a sync folder ({SyncState.FileName} is missing) and holds {(foreign.Count == 1 ? "an entry" : $"{foreign.Count} entries")} sync did not write ({shown}): give a new or empty folder to start a sync in, or the folder of an existing one.");
        }
    }

    private static bool KickedOff(string incrementDirectory) => ExportStateOf(incrementDirectory) is { StatusUrl: not null };

    /// <summary>
    /// Removes what a first sync wrote before its export was taken: <c>sync.json</c>, the increment folders and the lock's
    /// files, and the folder itself (with the parents the run made for it) when it did not exist before, so that the folder
    /// is as it was before the run. When the increment folders hold more than the export's lock files, nothing goes (that
    /// is not this run's alone, and the state explains it).
    /// </summary>
    /// <param name="directory">The sync folder.</param>
    /// <param name="folderLock">The sync's lock of it, released here.</param>
    /// <param name="made">The outermost folder the run created for <paramref name="directory"/>; <see langword="null"/> when it existed.</param>
    private static void ForgetFirstSync(string directory, ExportFolderLock folderLock, string? made)
    {
        var increments = Path.Combine(directory, IncrementsFolderName);
        var first = IncrementDirectory(directory, 1);
        static bool OnlyLocks(string folder) => Directory.EnumerateFileSystemEntries(folder).All(e => ExportFolderLock.IsLockFile(Path.GetFileName(e)));
        if (Directory.Exists(increments) && (Directory.EnumerateFileSystemEntries(increments).Any(e => e != first) || (Directory.Exists(first) && !OnlyLocks(first))))
        {
            return;
        }

        FolderIo.Write(directory, SyncState.PathIn(directory), () =>
        {
            if (Directory.Exists(increments))
            {
                Directory.Delete(increments, recursive: true);
            }

            File.Delete(SyncState.PathIn(directory));
        });
        RemoveLock(directory, folderLock);
        if (made is null)
        {
            return;
        }

        try
        {
            // One level at a time and never recursively: a folder something else wrote into meanwhile is refused, and kept.
            for (var folder = directory; ; folder = Path.GetDirectoryName(folder)!)
            {
                Directory.Delete(folder);
                if (folder == made)
                {
                    break;
                }
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Tidying up: the failure being reported matters more than an empty folder.
        }
    }

    /// <summary>Releases the sync's lock of <paramref name="directory"/> and deletes its files, quietly (tidying up after a failure).</summary>
    private static void RemoveLock(string directory, ExportFolderLock folderLock)
    {
        var lockFile = Path.Combine(directory, ExportFolderLayout.LockFileName);
        foreach (var owner in Directory.EnumerateFiles(directory).Where(f => f != lockFile && ExportFolderLock.IsLockFile(Path.GetFileName(f))).ToList())
        {
            FolderIo.DeleteQuietly(owner);
        }

        // On Unix a lock belongs to the open file, not to its name: the file is unlinked while held, since once released it
        // could be another sync's lock by the time it was unlinked. Windows refuses to delete a file open without sharing, so
        // there it goes once released (and stays, locked, if another sync took it meanwhile).
        if (!OperatingSystem.IsWindows())
        {
            FolderIo.DeleteQuietly(lockFile);
        }

        folderLock.Dispose();
        if (OperatingSystem.IsWindows())
        {
            FolderIo.DeleteQuietly(lockFile);
        }
    }

    /// <summary>The outermost of <paramref name="directory"/> and its parents that does not exist yet; <see langword="null"/> when it exists.</summary>
    private static string? OutermostMissing(string directory)
    {
        string? missing = null;
        for (var path = directory; !string.IsNullOrEmpty(path) && !Path.Exists(path); path = Path.GetDirectoryName(path))
        {
            missing = path;
        }

        return missing;
    }

    private SyncState OpenState(string directory, ExportRequest? request)
    {
        var server = _client.BaseUri.AbsoluteUri;
        var state = SyncState.Load(directory);
        if (state is { Increments.Count: 0 } && request is not null && !KickedOff(IncrementDirectory(directory, 1)))
        {
            // No server has taken a first export of this folder yet (a run stopped before the kick-off was answered, or by a
            // version that kept its state after a refused one): nothing binds it to the recorded server or request.
            state = null;
        }

        if (state is null)
        {
            if (request is null)
            {
                throw new ExportFolderException(directory, $"{directory} is not a sync folder yet ({SyncState.FileName} is missing): give the request of its first export.");
            }

            ValidateRequest(request);
            // Saved before the first export, so that a run interrupted during it carries on with the same request. A folder's
            // existing state is not rewritten here: nothing in it has changed yet.
            // The format too: a first sync into a lake that was interrupted must carry on into a lake, not the default.
            var created = new SyncState { Server = server, Request = request with { Since = null }, Format = _options.Format ?? SyncFormat.DuckDb };
            created.Save(directory);
            return created;
        }

        if (!string.Equals(state.Server, server, StringComparison.Ordinal))
        {
            throw new ExportFolderException(directory, $"{directory} syncs {state.Server}, not {server}; sync another server into another folder.");
        }

        if (state.Request.TypeFilters.Count > 0)
        {
            throw new ExportFolderException(directory, $"{directory} syncs with _typeFilter, which sync no longer does: {TypeFilterRefusal} Its tables may hold such rows already: start a new sync folder without the filter.");
        }

        if (request is not null && ExportRequestDifferences.Of(state.Request, request) is { Count: > 0 } differences)
        {
            throw new ExportFolderException(directory, $"{directory} syncs another request ({string.Join("; ", differences)}): every increment must be exported alike; sync another request into another folder.");
        }

        return state;
    }

    /// <summary>The increment's export: resumed when an earlier run left it unfinished, taken as it is when it completed, started otherwise.</summary>
    private async Task<ExportResult> ExportAsync(ExportRequest request, SyncIncrement increment, string incrementDirectory, IProgress<ExportProgress>? progress, CancellationToken cancellationToken)
    {
        var since = increment.Since is null ? (DateTimeOffset?)null : ParseInstant(increment.Since);
        var existing = ExportStateOf(incrementDirectory);
        if (existing is not null && existing.Request.Since == since && existing.StatusUrl is not null && !existing.Cancelled)
        {
            // A completed one is resumed too: its files are checked against their recorded hashes, and nothing is fetched.
            return await _client.ResumeExportAsync(incrementDirectory, progress, cancellationToken).ConfigureAwait(false);
        }

        return await _client.ExportToDirectoryAsync(request with { Since = since }, incrementDirectory, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The transactionTime as the server wrote it, once it is a FHIR instant later than the previous increment's, or the same
    /// for an increment without changes (the Bulk
    /// Data IG: the next <c>_since</c> is this value, never the client's clock). A refused increment is moved to <c>refused/</c>
    /// so that the next run exports it again from the same <c>_since</c>.
    /// </summary>
    private string CheckedTransactionTime(string directory, string incrementDirectory, ExportResult export, string? previous)
    {
        var transactionTime = export.Manifest.TransactionTime;
        string? problem = null;
        if (!IsFhirInstant(transactionTime) || ParseInstant(transactionTime!) is not { } time)
        {
            problem = $"the server's transactionTime '{transactionTime}' is not a FHIR instant (a date and time with seconds and a zone)"
                + (previous is null ? string.Empty : $"; the previous increment's is '{previous}'");
        }
        // The same time is a server whose data has not moved since (the embedded one, on simulated time, does this): fine
        // as long as it says nothing changed; an earlier time, or changes at the same time, would lose or repeat some.
        else if (previous is not null && (time < ParseInstant(previous) || (time == ParseInstant(previous) && export.Files.Any(f => f.Kind != ExportFileKind.Error && f.Resources > 0))))
        {
            problem = $"the server's transactionTime '{transactionTime}' is not later than the previous increment's '{previous}'";
        }

        if (problem is null)
        {
            return transactionTime!;
        }

        var refused = Refuse(directory, incrementDirectory);
        throw new FhirBulkException($"Refused increment {Path.GetFileName(incrementDirectory)}: {problem}; its export is kept in {refused}.");
    }

    /// <summary>Moves an increment that is not applied into <c>refused/</c>, so that the next run exports it again from the same <c>_since</c>.</summary>
    /// <returns>Where it was moved.</returns>
    private string Refuse(string directory, string incrementDirectory)
    {
        var named = Path.Combine(directory, RefusedFolderName, Path.GetFileName(incrementDirectory) + "-" + _options.TimeProvider.GetUtcNow().UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture));
        // Two refusals within a second (a server failing fast, runs in a loop) must not fail the second on the first's folder.
        var refused = named;
        for (var copy = 2; Path.Exists(refused); copy++)
        {
            refused = string.Create(CultureInfo.InvariantCulture, $"{named}-{copy}");
        }

        FolderIo.Write(directory, refused, () =>
        {
            Directory.CreateDirectory(Path.GetDirectoryName(refused)!);
            Directory.Move(incrementDirectory, refused);
        });
        return refused;
    }

    /// <summary>
    /// Deletes the copies in <c>refused/</c> that an applied increment supersedes. <c>refused/NNNN-…</c> was exported with the
    /// same <c>_since</c> as <c>increments/NNNN</c> (the transactionTime of increment NNNN-1, fixed once that one is recorded;
    /// none for 0001), so once NNNN is applied the tables hold its changes, and the copy was only kept to look at why it was
    /// refused. A copy of an increment not applied yet is kept, however many there are: each may show another failure.
    /// </summary>
    /// <returns>How many were deleted.</returns>
    private int RemoveSupersededRefusals(string directory, SyncState state)
    {
        var refused = Path.Combine(directory, RefusedFolderName);
        if (!Directory.Exists(refused))
        {
            return 0;
        }

        var applied = state.Increments.Where(i => i.Applied).Select(i => i.Number).ToHashSet();
        var removed = 0;
        foreach (var copy in Directory.GetDirectories(refused).Where(c => RefusedIncrement(Path.GetFileName(c)) is { } number && applied.Contains(number)))
        {
            // A deletion cut short leaves the folder's name to the last, so the next run finds the copy and finishes it.
            removed += TryDelete(copy, recursive: true) ? 1 : 0;
        }

        if (!Directory.EnumerateFileSystemEntries(refused).Any())
        {
            TryDelete(refused, recursive: false);
        }

        return removed;
    }

    /// <summary>Deletes a folder of <c>refused/</c>, or logs why it could not.</summary>
    private bool TryDelete(string folder, bool recursive)
    {
        try
        {
            Directory.Delete(folder, recursive);
            return true;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // The tables are committed already: a folder that cannot go now is no reason to fail the run, and the next tries again.
            SyncLog.RefusedNotRemoved(_logger, folder, exception.Message);
            return false;
        }
    }

    /// <summary>The number of the increment a <c>refused/</c> folder is a copy of (<c>0002-20260108T000000Z</c> → 2); <see langword="null"/> for a name sync did not make.</summary>
    private static int? RefusedIncrement(string name) =>
        name.IndexOf('-', StringComparison.Ordinal) is > 0 and var dash && int.TryParse(name.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number : null;

    /// <summary>
    /// Checks the increments the tables are about to be read from again (a rebuild, or one a crash left unapplied) against the
    /// sizes and SHA-256 their exports recorded: a missing or changed file would make tables that silently lack its rows.
    /// </summary>
    private static async Task VerifyAsync(string directory, IReadOnlyList<SyncIncrement> increments, CancellationToken cancellationToken)
    {
        foreach (var increment in increments)
        {
            var folder = IncrementDirectory(directory, increment.Number);
            var damage = !Directory.Exists(folder) ? "its folder is missing"
                : ExportState.Load(folder) is null ? $"it holds no export state ({ExportState.FileName} is missing)"
                : (await ExportFolderVerifier.VerifyAsync(folder, cancellationToken).ConfigureAwait(false)).Problems is { Count: > 0 } problems
                    ? $"{Counted.Of(problems.Count, "file")} {(problems.Count == 1 ? "differs" : "differ")} from what its export recorded: {Counted.FirstOf(problems.Select(p => $"{p.FileName} ({p.Problem})").ToList(), 3)}"
                    : null;
            if (damage is not null)
            {
                throw new ExportFolderException(directory, $"Cannot read increment {increment.Number:D4} of {directory} again: {damage}. The tables are as they were; they can be made again only from a complete series of increments, so put the folder {folder} back as it was, or start a new sync folder (its first run exports everything).");
            }
        }
    }

    private async Task SaveGroupAsync(string incrementDirectory, string groupId, CancellationToken cancellationToken)
    {
        var group = await _client.ReadResourceAsync("Group", groupId, cancellationToken).ConfigureAwait(false);
        var path = Path.Combine(incrementDirectory, IncrementFolder.GroupFileName);
        FolderIo.Write(incrementDirectory, path, () => AtomicFile.Write(path, stream =>
        {
            using var writer = new Utf8JsonWriter(stream);
            group.WriteTo(writer);
        }));
    }

    private async Task<(IReadOnlyDictionary<string, long> Rows, IReadOnlyDictionary<string, TableChanges> Changes)> ApplyAsync(string directory, SyncState state, IReadOnlyList<SyncIncrement> increments, SyncViews views, SyncFormat format, bool rebuild, Func<int, IncrementFolder> folderOf, CancellationToken cancellationToken)
    {
        var groupLevel = state.Request.Level == ExportLevel.Group;
        var tablesOptions = new FhirTablesOptions { ViewErrors = _options.ViewErrors };
        // An increment changes a small share of the rows, and DuckDB's worker threads cost more to start and to poll than
        // they save on it (measured in docs/benchmarks.md, "Sync"); a rebuild reads every row and keeps one per core.
        var duckDb = rebuild || _options.DuckDb.Threads is not null
            ? _options.DuckDb
            : new DuckDbSinkOptions { MemoryLimit = _options.DuckDb.MemoryLimit, Threads = 1 };
        (IReadOnlyDictionary<string, long>, IReadOnlyDictionary<string, TableChanges>) applied;
        if (format == SyncFormat.Parquet)
        {
            var lake = new SyncLake(TablesPath(directory, SyncFormat.Parquet), tablesOptions, duckDb);
            applied = await lake.ApplyAsync([.. increments.Select(i => (folderOf(i.Number), groupLevel, i.Number, i.TransactionTime))], views, rebuild, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var tables = new SyncTables(TablesPath(directory, SyncFormat.DuckDb), tablesOptions, duckDb) { BeforeCommit = BeforeCommit };
            var incrementFolders = increments.Select(i => (folderOf(i.Number), groupLevel)).ToList();
            applied = await tables.ApplyAsync(incrementFolders, views, rebuild ? state.Tables : [], cancellationToken).ConfigureAwait(false);
        }

        foreach (var increment in increments)
        {
            increment.Applied = true;
        }

        state.ViewFingerprint = views.Fingerprint;
        state.Format = format;
        state.Tables = [.. views.Views.Select(v => v.Schema.Name)];
        state.Save(directory);
        return applied;
    }

    private static string TablesPath(string directory, SyncFormat format) =>
        Path.Combine(directory, format == SyncFormat.Parquet ? SyncLake.FolderName : SyncTables.FileName);

    private static string IncrementDirectory(string directory, int number) =>
        Path.Combine(directory, IncrementsFolderName, number.ToString("D4", CultureInfo.InvariantCulture));

    private static DateTimeOffset? ParseInstant(string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value) ? value : null;

    private static bool IsFhirInstant(string? text) => text is not null && FhirInstant().IsMatch(text) && ParseInstant(text) is not null;

    /// <summary>FHIR R4 <c>instant</c>: seconds required, a zone (<c>Z</c> or an offset) required.</summary>
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex FhirInstant();
}
