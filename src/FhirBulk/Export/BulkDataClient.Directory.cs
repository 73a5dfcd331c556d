using System.Globalization;
using FhirBulk.Diagnostics;
using FhirBulk.ExportFolder;
using FhirBulk.Http;
using FhirBulk.Storage;

namespace FhirBulk.Export;

/// <summary>Whole exports to an output folder that survive a crash: export, resume, cancel.</summary>
public sealed partial class BulkDataClient
{
    /// <summary>How often the state file is rewritten while files complete (see <see cref="StateSaver"/>).</summary>
    private static readonly TimeSpan StateSaveInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Exports to <paramref name="directory"/> end to end: kick-off, poll, download every file, verify, delete the job.
    /// Progress is saved in the folder (<c>.fhir-bulk-state.json</c>) so that <see cref="ResumeExportAsync(string, IProgress{ExportProgress}?, CancellationToken)"/> carries on after a crash,
    /// with how this client connects, downloads and stores files (<see cref="ReadExportSettings"/>; never a key given as text).
    /// A previous complete export in the folder is moved to <c>history/&lt;transactionTime&gt;/</c> first. The folder is locked
    /// (<c>.fhir-bulk.lock</c>) for the whole call: a second export or resume into it fails at once.
    /// </summary>
    /// <param name="request">What to export.</param>
    /// <param name="directory">The output folder.</param>
    /// <param name="progress">Receives status and per-file progress.</param>
    /// <param name="cancellationToken">Stops the export; the job keeps running and the folder can be resumed.</param>
    /// <returns>The summary.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException"><paramref name="directory"/> is <see langword="null"/>, empty or white space, or <paramref name="request"/> is inconsistent.</exception>
    /// <exception cref="AuthenticationException">Credentials were refused.</exception>
    /// <exception cref="FhirBulkException">The server failed the export, or files could not be downloaded (resume later).</exception>
    /// <exception cref="ExportFolderException">
    /// The folder holds an unfinished export (resume or cancel it), files this export did not write (see
    /// <see cref="BulkDataClientOptions.ForeignFiles"/>), is locked by another export, or cannot be written (disk full).
    /// </exception>
    public Task<ExportResult> ExportToDirectoryAsync(ExportRequest request, string directory, IProgress<ExportProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        return ExportAsync(request, new LocalExportTarget(directory), progress, cancellationToken);
    }

    /// <summary>
    /// Exports into an object store's prefix as <see cref="ExportToDirectoryAsync"/> exports into a folder: the same names,
    /// state, manifest and log, as objects. Each file is streamed from the server into a multipart upload (S3) or staged
    /// blocks (Azure), one part in memory whatever its size, and verified as it streams (count, bytes, SHA-256); it becomes
    /// visible only complete. A lock object (<c>.fhir-bulk.lock</c>) refuses a second export under the prefix while one
    /// runs (docs/storage.md says what it guarantees); a previous complete export is moved under <c>history/</c>.
    /// </summary>
    /// <param name="request">What to export.</param>
    /// <param name="store">Where to (<see cref="ObjectStore.Create(string, ObjectStoreOptions?)"/>); the caller disposes it.</param>
    /// <param name="progress">Receives status and per-file progress.</param>
    /// <param name="cancellationToken">Stops the export; the job keeps running and the prefix can be resumed.</param>
    /// <returns>The summary; <see cref="ExportResult.Directory"/> is the store's URL.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="request"/> or <paramref name="store"/> is <see langword="null"/>.</exception>
    /// <exception cref="AuthenticationException">Credentials were refused.</exception>
    /// <exception cref="FhirBulkException">The server failed the export, or files could not be downloaded (resume later).</exception>
    /// <exception cref="StorageException">The store refused a read or write (a missing bucket, refused credentials).</exception>
    /// <exception cref="ExportFolderException">As for <see cref="ExportToDirectoryAsync"/>, with the prefix for the folder.</exception>
    public Task<ExportResult> ExportToStoreAsync(ExportRequest request, ObjectStore store, IProgress<ExportProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        return ExportAsync(request, new StoreExportTarget(store, _logger, _options.TimeProvider), progress, cancellationToken);
    }

    private async Task<ExportResult> ExportAsync(ExportRequest request, ExportTarget target, IProgress<ExportProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        var directory = target.Description;
        var folderLock = await target.LockAsync(cancellationToken).ConfigureAwait(false);
        await using (folderLock.ConfigureAwait(false))
        {
            var previous = await target.LoadStateAsync(cancellationToken).ConfigureAwait(false);
            var abandoned = await target.CleanUpAsync(previous, cancellationToken).ConfigureAwait(false);

            // A state whose kick-off never got an answer (one a killed run left: no status URL yet) holds nothing to carry
            // on: it is moved aside like a finished export, so the next command just runs. (A kick-off refused or unanswered
            // in this call is not kept: see below.)
            if (previous is { Completed: false, Cancelled: false } && (previous.StatusUrl is not null || previous.ReExports > 0))
            {
                throw new ExportFolderException(
                    directory,
                    $"{directory} holds an unfinished export (status {previous.StatusUrl}); resume it ({CommandLineText.ResumeExport(directory, target.S3Endpoint)}) or cancel it ({CommandLineText.CancelExport(directory, target.S3Endpoint)}) first.");
            }

            // Checked before anything moves, so a refusal leaves the folder as it was.
            var stamp = HistoryStamp(_options.TimeProvider.GetUtcNow());
            await HandleForeignFilesAsync(target, previous is null ? [] : DescribedFiles(previous), stamp, cancellationToken).ConfigureAwait(false);
            var archived = previous is null ? null : await ArchivePreviousAsync(target, previous, cancellationToken).ConfigureAwait(false);
            var state = ExportState.Start(BaseUri, request, _options);
            target.SaveState(state);
            try
            {
                return await RunAsync(state, target, abandoned, progress, cancellationToken).ConfigureAwait(false);
            }
            catch (FhirBulkException exception) when (NothingStarted(exception, state))
            {
                // The server started nothing: it refused the kick-off, or never answered it (unreachable, a wrong --server,
                // retries used up). The folder goes back to what it was, so that nothing there suggests an export to resume
                // (which could only ask the same URL again), the previous export stays in place (for --since auto, say) until
                // one is started, and the same command, or one with the server corrected, runs in the folder as if anew.
                await target.ForgetAsync(CancellationToken.None).ConfigureAwait(false);
                if (archived is not null)
                {
                    await target.RestoreFromHistoryAsync(DescribedFiles(previous!).Append(ExportState.FileName), archived, CancellationToken.None).ConfigureAwait(false);
                    Log.PreviousExportRestored(_logger, directory);
                }

                throw;
            }
        }
    }

    /// <summary>
    /// Whether the failure left an export the server never started: no status URL ever came (the kick-off was refused or
    /// got no answer), so no job and no file exist. A folder or store failure is the disk's or the store's, not the server's.
    /// </summary>
    private static bool NothingStarted(FhirBulkException exception, ExportState state) =>
        exception is not (ExportFolderException or StorageException)
        && state.StatusUrl is null && state.ReExports == 0 && state.Files.Count == 0;

    /// <summary>
    /// Whether the server refused the kick-off of an export it never started: not transient, so a retry of the same
    /// request would be refused again.
    /// </summary>
    private static bool IsRefusedKickoff(FhirBulkException exception, ExportState state) => !exception.IsTransient && NothingStarted(exception, state);

    /// <summary>
    /// Carries on an export saved in <paramref name="directory"/>: polls again if it was not done, fetches only missing or
    /// partial files, and first checks every file it finished earlier against its recorded size and SHA-256: a missing or
    /// changed one is fetched again (or, when the job has expired, the export is requested again) and listed in
    /// <see cref="ExportResult.Repaired"/>.
    /// </summary>
    /// <remarks>
    /// Files are stored and checked as the export started (<see cref="ExportFolderSettings.CompressOutput"/>, <see cref="ExportFolderSettings.MalformedLines"/>),
    /// whatever this client's options say. This client's credentials (never a key given as text) and download options are
    /// recorded in the folder, so that the next resume from the folder alone (<see cref="ReadExportSettings"/>) connects as this one.
    /// </remarks>
    /// <param name="directory">The output folder of an earlier <see cref="ExportToDirectoryAsync"/>.</param>
    /// <param name="progress">Receives status and per-file progress.</param>
    /// <param name="cancellationToken">Stops again; the folder stays resumable.</param>
    /// <returns>The summary.</returns>
    /// <exception cref="ArgumentException"><paramref name="directory"/> is <see langword="null"/>, empty or white space.</exception>
    /// <exception cref="AuthenticationException">Credentials were refused.</exception>
    /// <exception cref="FhirBulkException">The server failed the export, or files could not be downloaded (resume later).</exception>
    /// <exception cref="ExportFolderException">The folder holds no export, another server's, a cancelled one, files this export did not write, is locked, or cannot be written.</exception>
    public Task<ExportResult> ResumeExportAsync(string directory, IProgress<ExportProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);

        // Before the lock, which would make the folder: a mistyped path is named as one, not left behind as an empty folder.
        if (!Directory.Exists(directory))
        {
            throw ExportState.Missing(directory);
        }

        return ResumeAsync(new LocalExportTarget(directory), progress, cancellationToken);
    }

    /// <summary>
    /// Carries on an export saved under <paramref name="store"/>'s prefix (<see cref="ExportToStoreAsync"/>) as
    /// <see cref="ResumeExportAsync(string, IProgress{ExportProgress}?, CancellationToken)"/> does a folder's: the uploads a
    /// killed run left unfinished are aborted first, objects recorded complete are checked by size and ETag (not read back),
    /// and only missing files are fetched; a file cut mid-upload starts again.
    /// </summary>
    /// <param name="store">The store of the earlier export; the caller disposes it.</param>
    /// <param name="progress">Receives status and per-file progress.</param>
    /// <param name="cancellationToken">Stops again; the prefix stays resumable.</param>
    /// <returns>The summary.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="store"/> is <see langword="null"/>.</exception>
    /// <exception cref="AuthenticationException">Credentials were refused.</exception>
    /// <exception cref="FhirBulkException">The server failed the export, or files could not be downloaded (resume later).</exception>
    /// <exception cref="StorageException">The store refused a read or write.</exception>
    /// <exception cref="ExportFolderException">The prefix holds no export, another server's, a cancelled one, or is locked.</exception>
    public Task<ExportResult> ResumeExportAsync(ObjectStore store, IProgress<ExportProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        return ResumeAsync(new StoreExportTarget(store, _logger, _options.TimeProvider), progress, cancellationToken);
    }

    private async Task<ExportResult> ResumeAsync(ExportTarget target, IProgress<ExportProgress>? progress, CancellationToken cancellationToken)
    {
        var directory = target.Description;
        var folderLock = await target.LockAsync(cancellationToken).ConfigureAwait(false);
        await using (folderLock.ConfigureAwait(false))
        {
            var state = await LoadStateAsync(target, cancellationToken).ConfigureAwait(false);
            var abandoned = await target.CleanUpAsync(state, cancellationToken).ConfigureAwait(false);
            if (state.Cancelled)
            {
                throw new ExportFolderException(directory, $"The export in {directory} was cancelled; start a new one.");
            }

            await HandleForeignFilesAsync(target, DescribedFiles(state), HistoryStamp(_options.TimeProvider.GetUtcNow()), cancellationToken).ConfigureAwait(false);
            state.RecordConnection(_options);
            target.SaveState(state);
            Log.Resuming(_logger, directory);
            try
            {
                return await RunAsync(state, target, abandoned, progress, cancellationToken).ConfigureAwait(false);
            }
            catch (FhirBulkException exception) when (IsRefusedKickoff(exception, state))
            {
                // The kick-off an earlier run could not send was refused now: there is still nothing to resume. (One that
                // again got no answer stays: the user asked to carry this export on, and may again once the server answers.)
                await target.ForgetAsync(CancellationToken.None).ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>Cancels the export saved in <paramref name="directory"/> (DELETE on its status URL) and marks the folder cancelled.</summary>
    /// <param name="directory">The output folder.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>False when the server no longer knew the job.</returns>
    /// <exception cref="ExportFolderException">The folder holds no export, is locked by a running export, or cannot be written.</exception>
    /// <exception cref="AuthenticationException">The token was refused.</exception>
    /// <exception cref="FhirBulkException">The server refused the deletion, or did not answer within the retries; the folder is left as it was.</exception>
    public async Task<bool> CancelExportAsync(string directory, CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(directory))
        {
            throw ExportState.Missing(directory);
        }

        using var folderLock = ExportFolderLock.Acquire(directory);
        var state = Verified(ExportState.LoadExisting(directory), directory);
        var deleted = false;
        if (state.StatusUrl is { } statusUrl && !state.JobDeleted)
        {
            deleted = await GetExportOperation(new Uri(statusUrl)).DeleteAsync(cancellationToken).ConfigureAwait(false);
        }

        state.JobDeleted = true;
        state.Cancelled = !state.Completed;
        state.Save(directory);
        return deleted;
    }

    /// <summary>
    /// The transactionTime of the last complete export in <paramref name="directory"/>, whatever its server and request
    /// (<see cref="ReadSinceFor"/>, what <c>--since auto</c> uses, takes it only for the same ones).
    /// </summary>
    /// <param name="directory">The output folder.</param>
    /// <returns>The time, or <see langword="null"/> when the folder holds no complete export.</returns>
    public static DateTimeOffset? ReadLastTransactionTime(string directory)
    {
        var state = Directory.Exists(directory) ? ExportState.Load(directory) : null;
        return state is { Completed: true, Manifest.TransactionTime: { } time } ? ParseInstant(time) : null;
    }

    /// <summary>
    /// The <c>_since</c> that exports only what changed since the last complete export in <paramref name="directory"/> (what
    /// <c>--since auto</c> uses): its transactionTime, when that export was of this client's server and of the same request
    /// (its own <c>_since</c> aside), compared as a resume compares its server and as a sync compares its request.
    /// </summary>
    /// <param name="directory">The output folder.</param>
    /// <param name="request">The request about to be exported into it (its <see cref="ExportRequest.Since"/> is not compared).</param>
    /// <returns>The time, or <see langword="null"/> when the folder holds no complete export.</returns>
    /// <exception cref="ExportFolderException">
    /// The last complete export is of another server or another request: its transactionTime says nothing about what this
    /// request would have exported before it, so taking it would miss data without a word.
    /// </exception>
    public DateTimeOffset? ReadSinceFor(string directory, ExportRequest request)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentNullException.ThrowIfNull(request);
        var state = Directory.Exists(directory) ? ExportState.Load(directory) : null;
        if (state is not { Completed: true, Manifest.TransactionTime: { } time })
        {
            return null;
        }

        const string Remedy = "export into another folder (--out), or give an explicit --since (or none, to export everything)";
        if (OtherServer(state) is { } server)
        {
            throw new ExportFolderException(directory, $"--since auto: the previous export in {directory} {server}; {Remedy}.");
        }

        if (ExportRequestDifferences.Of(state.Request, request) is { Count: > 0 } differences)
        {
            throw new ExportFolderException(directory, $"--since auto: the previous export in {directory} was of another request ({string.Join("; ", differences)}), so its transactionTime would skip what it did not export; {Remedy}.");
        }

        return ParseInstant(time);
    }

    /// <summary>What <paramref name="directory"/> recorded about its export, to carry it on from the folder alone: server, request, credentials (never a secret) and options.</summary>
    /// <param name="directory">The output folder.</param>
    /// <returns>The recorded settings.</returns>
    /// <exception cref="ExportFolderException">The folder holds no export.</exception>
    public static ExportFolderSettings ReadExportSettings(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        return new ExportFolderSettings(ExportState.LoadExisting(directory));
    }

    /// <summary>What the export under <paramref name="store"/>'s prefix recorded, as <see cref="ReadExportSettings(string)"/> reads a folder's.</summary>
    /// <param name="store">The store.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The recorded settings.</returns>
    /// <exception cref="ExportFolderException">The prefix holds no export.</exception>
    /// <exception cref="StorageException">The store could not be read.</exception>
    public static async Task<ExportFolderSettings> ReadExportSettingsAsync(ObjectStore store, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var target = new StoreExportTarget(store, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, TimeProvider.System);
        return new ExportFolderSettings(await LoadExistingAsync(target, cancellationToken).ConfigureAwait(false));
    }

    private async Task<ExportState> LoadStateAsync(ExportTarget target, CancellationToken cancellationToken) =>
        Verified(await LoadExistingAsync(target, cancellationToken).ConfigureAwait(false), target.Description);

    /// <exception cref="ExportFolderException">The target holds no state; the message says what it holds instead.</exception>
    private static async Task<ExportState> LoadExistingAsync(ExportTarget target, CancellationToken cancellationToken) =>
        await target.LoadStateAsync(cancellationToken).ConfigureAwait(false)
        ?? throw ExportState.Missing(target.Description, await target.ExportFilesAsync(cancellationToken).ConfigureAwait(false));

    private ExportState Verified(ExportState state, string directory) =>
        OtherServer(state) is { } server
            ? throw new ExportFolderException(directory, $"The export in {directory} {server}; resume it with its own server, or export into another folder.")
            : state;

    /// <summary>"is from X, not from Y" when <paramref name="state"/> is of another server than this client's; <see langword="null"/> when of the same.</summary>
    private string? OtherServer(ExportState state) =>
        string.Equals(state.Server, BaseUri.AbsoluteUri, StringComparison.Ordinal) ? null : $"is from {state.Server}, not from {BaseUri.AbsoluteUri}";

    private async Task<ExportResult> RunAsync(ExportState state, ExportTarget target, IReadOnlyList<AbandonedUpload> abandoned, IProgress<ExportProgress>? progress, CancellationToken cancellationToken)
    {
        using var activity = FhirBulkActivitySource.Source.StartActivity("FhirBulk.Export");
        var runStarted = _options.TimeProvider.GetUtcNow();
        var alreadyComplete = state.Completed;
        var directory = target.Description;
        using var eventLog = await target.OpenLogAsync(_options.TimeProvider, cancellationToken).ConfigureAwait(false);

        // Kept beside the data, not only on a console that is gone by then: each holds storage (and costs) until removed.
        foreach (var upload in abandoned)
        {
            eventLog.Write("upload_abort_failed", new() { ["object"] = upload.Object, ["uploadId"] = upload.UploadId, ["reason"] = upload.Reason });
        }

        var repaired = await RepairDamagedFilesAsync(state, target, eventLog, cancellationToken).ConfigureAwait(false);

        // The limit is per run, not per folder: it stops a loop where files expire faster than they can be fetched, and a
        // user who resumes later (say, to repair a file deleted after an earlier repair) must get a fresh job again.
        var reExports = 0;
        while (true)
        {
            if (state.Manifest is null)
            {
                await PollToManifestAsync(state, target, eventLog, progress, cancellationToken).ConfigureAwait(false);
            }

            var manifest = state.Manifest!;
            var done = state.Files.Count(f => f.Status == ExportFileStatus.Complete);
            var doneGate = new Lock();
            var fileProgress = progress is null ? null : new SynchronousProgress<DownloadProgress>(p =>
            {
                // A file's last report already counts it, and files finishing together are counted and reported one at a
                // time: otherwise a display reads "[0/8] ... complete", or two files both as the second.
                lock (doneGate)
                {
                    if (p.Status != ExportFileStatus.Pending)
                    {
                        done++;
                    }

                    progress.Report(new ExportProgress(ExportPhase.Downloading, null, p, done, state.Files.Count));
                }
            });
            foreach (var failed in state.Files.Where(f => f.Status == ExportFileStatus.Failed))
            {
                failed.Status = ExportFileStatus.Pending;
            }

            // Said before the first byte: a file whose request is being retried is still downloading, not the server working.
            progress?.Report(new ExportProgress(ExportPhase.Downloading, null, null, done, state.Files.Count));
            using var saver = new StateSaver(() => target.SaveState(state), _options.TimeProvider, StateSaveInterval);
            try
            {
                await DownloadFilesAsync(state.OutputOptions(_options), state.Files, manifest, new Uri(state.StatusUrl!), target, fileProgress, eventLog, saver, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (TryFlush(saver))
            {
                // Unreachable: TryFlush saves what completed and returns false, so the failure propagates unchanged.
                throw;
            }

            saver.Flush();
            var expired = state.Files.Count(f => f.Status == ExportFileStatus.Expired);
            if (expired > 0 && reExports < _options.MaxReExports)
            {
                reExports++;
                // Expired files cannot be fetched again from this job: start a new one. Complete files stay on disk and are
                // kept only where the new manifest plans the same file with the same count (see PollToManifestAsync).
                state.ReExports++;
                // Labelled by this run's count, as the limit counts: a resume's first re-export is attempt 1 of its own limit.
                Log.ReExporting(_logger, expired, reExports);
                await DeleteJobQuietlyAsync(state, cancellationToken).ConfigureAwait(false);
                foreach (var file in state.Files.Where(f => f.Status != ExportFileStatus.Complete))
                {
                    await target.DeletePartialAsync(file.FileName, cancellationToken).ConfigureAwait(false);
                }

                state.PreviousFiles = [.. state.Files.Where(f => f.Status == ExportFileStatus.Complete)];
                state.StatusUrl = null;
                state.Manifest = null;
                state.Files = [];
                state.JobDeleted = false;
                target.SaveState(state);
                continue;
            }

            var failures = state.Files.Where(f => f.Status is ExportFileStatus.Failed or ExportFileStatus.Expired).ToList();
            if (failures.Count > 0)
            {
                target.SaveState(state);
                // Says what completed, so that the user knows what a resume will still fetch; a stall says so first.
                var complete = state.Files.Where(f => f.Status == ExportFileStatus.Complete).Select(f => f.FileName).ToList();
                var completed = complete.Count == 0 ? "none is complete"
                    : $"{complete.Count} {(complete.Count == 1 ? "is" : "are")} complete ({Counted.FirstOf(complete, 3)})";
                var stalled = _http.Stall.HasStalled ? $"The server stopped answering (nothing for {BulkHttp.Minutes(_options.StallTimeout)}). " : string.Empty;
                // The CLI prints this message (and puts it in --json): the first failure's URL is redacted, as in log.ndjson.
                throw new FhirBulkException(
                    $"{stalled}{failures.Count} of {state.Files.Count} files could not be downloaded (first: {failures[0].FileName}: {UrlRedaction.RedactedIn(failures[0].Error ?? string.Empty)}); {completed}; resume with the same folder to fetch the rest.",
                    null, new Uri(failures[0].Url, UriKind.RelativeOrAbsolute), null, isTransient: failures.All(f => f.Status == ExportFileStatus.Failed));
            }

            await CountErrorFileIssuesAsync(state, target, cancellationToken).ConfigureAwait(false);
            if (_options.DeleteJobAfterDownload)
            {
                await DeleteJobQuietlyAsync(state, cancellationToken).ConfigureAwait(false);
            }

            // The export's own time is kick-off to its first completion: a later resume (to check or repair its files) does
            // not make it longer, whatever the time since it started.
            var now = _options.TimeProvider.GetUtcNow();
            state.Completed = true;
            state.CompletedAt ??= alreadyComplete ? null : now;
            target.SaveState(state);
            var duration = (state.CompletedAt ?? now) - state.StartedAt;
            var outcome = IsPartial(state.Files) ? ExportOutcome.PartialSuccess : ExportOutcome.Success;
            eventLog.Write("export_complete", new()
            {
                ["files"] = state.Files.Count,
                ["resources"] = state.Files.Where(f => f.Kind == ExportFileKind.Output).Sum(f => f.Resources),
                ["bytes"] = state.Files.Sum(f => f.Bytes),
                ["invalidLines"] = state.Files.Sum(f => f.InvalidLines),
                ["countMismatches"] = state.Files.Count(f => f.CountMismatch),
                ["repairedFiles"] = repaired.Count,
                ["duration"] = (long)duration.TotalMilliseconds,
            });
            progress?.Report(new ExportProgress(ExportPhase.Complete, null, null, state.Files.Count, state.Files.Count));
            return new ExportResult(directory, new Uri(state.StatusUrl!), manifest.TransactionTime is { } t ? ParseInstant(t) : null, manifest, state.Files, outcome, duration, state.JobDeleted)
            {
                Repaired = repaired,
                RunDuration = now - runStarted,
                AlreadyComplete = alreadyComplete,
            };
        }
    }

    /// <summary>
    /// Partial when something the server meant to send did not come through as it said: invalid lines, a file whose resource
    /// count differs from the manifest's <c>count</c>, or an error file with an issue of severity <c>error</c> or <c>fatal</c>.
    /// </summary>
    private static bool IsPartial(IReadOnlyList<ExportFileState> files) =>
        files.Any(f => f.InvalidLines > 0 || f.CountMismatch || (f.Kind == ExportFileKind.Error && ErrorFileIssues.AnyFailure(f.Issues)));

    /// <summary>Saves what completed while a failure propagates; a save that fails too (the disk is full) must not hide the first failure.</summary>
    private static bool TryFlush(StateSaver saver)
    {
        try
        {
            saver.Flush();
        }
        catch (Exception e) when (e is ExportFolderException or StorageException)
        {
            // The saved state is the last one written; files completed since are found and verified on resume.
        }

        return false;
    }

    /// <summary>Files recorded complete that are missing or changed on disk go back to pending, and are fetched again.</summary>
    private async Task<List<FileProblem>> RepairDamagedFilesAsync(ExportState state, ExportTarget target, ExportLog eventLog, CancellationToken cancellationToken)
    {
        var complete = state.Files.Where(f => f.Status == ExportFileStatus.Complete).ToList();
        var problems = await target.CheckCompleteAsync(complete, cancellationToken).ConfigureAwait(false);
        if (problems.Count == 0)
        {
            return [];
        }

        foreach (var problem in problems)
        {
            var file = complete.First(f => f.FileName == problem.FileName);
            Log.FileDamaged(_logger, problem.FileName, problem.Problem);
            eventLog.Write("file_damaged", new() { ["fileUrl"] = UrlRedaction.Redacted(file.Url), ["file"] = problem.FileName, ["problem"] = problem.Problem });
            await target.DeleteAsync(problem.FileName, cancellationToken).ConfigureAwait(false);
            file.Status = ExportFileStatus.Pending;
            file.Sha256 = file.StoredSha256 = file.StoredETag = null;
            file.StoredBytes = null;
            file.Issues = null;
        }

        // A finished export that is repaired is unfinished until the repair is done.
        state.Completed = false;
        target.SaveState(state);
        return [.. problems];
    }

    private static async Task CountErrorFileIssuesAsync(ExportState state, ExportTarget target, CancellationToken cancellationToken)
    {
        foreach (var file in state.Files.Where(f => f.Kind == ExportFileKind.Error && f.Status == ExportFileStatus.Complete && f.Issues is null))
        {
            file.Issues = await target.CountIssuesAsync(file.FileName, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The files <paramref name="state"/> accounts for: its planned files and the manifest and log it wrote.</summary>
    /// <remarks>
    /// The manifest is written before the state that records it, so a process killed between the two leaves a manifest the
    /// state does not mention; it is this export's as soon as it has a job (or had one, before a re-export), and the poll
    /// that follows writes it again.
    /// </remarks>
    private static IEnumerable<string> DescribedFiles(ExportState state) =>
        state.Files.Select(f => f.FileName)
            .Concat(state.PreviousFiles?.Select(f => f.FileName) ?? [])
            .Append(ExportFolderLayout.LogFileName)
            .Concat(state.Manifest is null && state.StatusUrl is null && state.PreviousFiles is null ? [] : [ExportFolderLayout.ManifestFileName]);

    /// <summary>Refuses files this export did not write, or moves them under <c>history/</c> when the options say so.</summary>
    private async Task HandleForeignFilesAsync(ExportTarget target, IEnumerable<string> described, string stamp, CancellationToken cancellationToken)
    {
        var directory = target.Description;
        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in described)
        {
            known.Add(name);
            known.Add(name + ".part");
        }

        var foreign = (await target.ExportFilesAsync(cancellationToken).ConfigureAwait(false)).Where(f => !known.Contains(f)).ToList();
        if (foreign.Count == 0)
        {
            return;
        }

        if (_options.ForeignFiles == ForeignFilePolicy.Refuse)
        {
            var shown = Counted.FirstOf(foreign, 5);
            throw new ExportFolderException(directory, $"{directory} holds {(foreign.Count == 1 ? "a file" : $"{foreign.Count} files")} this export did not write ({shown}); use another folder, or --force to move them under {ExportFolderLayout.HistoryFolderName}/ (in a subfolder named for the time of that run).");
        }

        Log.ForeignFilesMoved(_logger, foreign.Count, directory, stamp);
        await target.MoveToHistoryAsync(foreign, stamp, cancellationToken).ConfigureAwait(false);
    }

    private async Task PollToManifestAsync(ExportState state, ExportTarget target, ExportLog eventLog, IProgress<ExportProgress>? progress, CancellationToken cancellationToken)
    {
        ExportOperation operation;
        if (state.StatusUrl is null)
        {
            operation = await StartExportAsync(state.Request, eventLog, cancellationToken).ConfigureAwait(false);
            state.StatusUrl = operation.StatusUrl.AbsoluteUri;
            target.SaveState(state);
            progress?.Report(new ExportProgress(ExportPhase.KickedOff, null, null, 0, 0));
        }
        else
        {
            operation = new ExportOperation(new Uri(state.StatusUrl), _http, _options, _logger, eventLog);
        }

        eventLog.ExportId = state.StatusUrl;
        var statusProgress = progress is null ? null : new SynchronousProgress<ExportStatus>(s => progress.Report(new ExportProgress(ExportPhase.Polling, s, null, 0, 0)));
        var manifest = await operation.WaitForCompletionAsync(statusProgress, cancellationToken).ConfigureAwait(false);
        state.Manifest = manifest;
        state.Files = ExportFolderLayout.Plan(manifest, state.OutputOptions(_options).CompressOutput);
        if (state.PreviousFiles is { } previous)
        {
            var planned = state.Files.Select(f => (f.FileName, f.DeclaredCount)).ToHashSet();
            foreach (var stale in previous.Where(p => !planned.Contains((p.FileName, p.DeclaredCount))))
            {
                await target.DeleteAsync(stale.FileName, cancellationToken).ConfigureAwait(false);
            }

            state.PreviousFiles = null;
        }

        await target.WriteManifestAsync(manifest, cancellationToken).ConfigureAwait(false);
        target.SaveState(state);
        eventLog.Write("manifest_complete", new()
        {
            ["transactionTime"] = manifest.TransactionTime,
            ["totalOutputFileCount"] = manifest.Output.Count,
            ["totalDeletedFileCount"] = manifest.Deleted.Count,
            ["totalErrorFileCount"] = manifest.Error.Count,
        });
    }

    private async Task DeleteJobQuietlyAsync(ExportState state, CancellationToken cancellationToken)
    {
        if (state.StatusUrl is null || state.JobDeleted)
        {
            return;
        }

        try
        {
            await GetExportOperation(new Uri(state.StatusUrl)).DeleteAsync(cancellationToken).ConfigureAwait(false);
            state.JobDeleted = true;
        }
        catch (FhirBulkException exception)
        {
            // The data is safely on disk; a job left behind expires on its own.
            var statusUrl = new Uri(state.StatusUrl);
            Log.JobDeleteFailed(_logger, statusUrl, BulkHttp.WithoutUrl(exception.Message, statusUrl));
        }
    }

    /// <returns>The <c>history/</c> subfolder it was moved to.</returns>
    private async Task<string> ArchivePreviousAsync(ExportTarget target, ExportState previous, CancellationToken cancellationToken)
    {
        var stamp = HistoryStamp(previous.Manifest?.TransactionTime is { } time && ParseInstant(time) is { } instant ? instant : previous.StartedAt);
        await target.MoveToHistoryAsync(DescribedFiles(previous).Append(ExportState.FileName), stamp, cancellationToken).ConfigureAwait(false);

        // Said, so that a user who meant to resume, or who reads the folder later, knows where the earlier data went.
        var what = previous.Completed
            ? $"a finished export (transactionTime {previous.Manifest?.TransactionTime ?? "not given"})"
            : previous.Cancelled ? "a cancelled export" : "an export whose kick-off did not succeed";
        Log.PreviousExportMoved(_logger, target.Description, what, stamp);
        return stamp;
    }

    /// <summary>The name of a <c>history/</c> subfolder: the instant in UTC, sortable and safe in a path.</summary>
    private static string HistoryStamp(DateTimeOffset instant) => instant.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset? ParseInstant(string text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value) ? value : null;

    /// <summary>Reports on the caller's thread: <see cref="Progress{T}"/> would post to a thread pool and reorder events.</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
