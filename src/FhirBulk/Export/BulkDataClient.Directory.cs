using System.Globalization;
using FhirBulk.Diagnostics;
using FhirBulk.ExportFolder;
using FhirBulk.Http;

namespace FhirBulk.Export;

/// <summary>Whole exports to an output folder that survive a crash: export, resume, cancel.</summary>
public sealed partial class BulkDataClient
{
    /// <summary>How often the state file is rewritten while files complete (see <see cref="StateSaver"/>).</summary>
    private static readonly TimeSpan StateSaveInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Exports to <paramref name="directory"/> end to end: kick-off, poll, download every file, verify, delete the job.
    /// Progress is saved in the folder (<c>.fhir-bulk-state.json</c>) so that <see cref="ResumeExportAsync"/> carries on after a crash,
    /// with how this client connects, downloads and stores files (<see cref="ReadExportSettings"/>; never a key given as text).
    /// A previous complete export in the folder is moved to <c>history/&lt;transactionTime&gt;/</c> first. The folder is locked
    /// (<c>.fhir-bulk.lock</c>) for the whole call: a second export or resume into it fails at once.
    /// </summary>
    /// <param name="request">What to export.</param>
    /// <param name="directory">The output folder.</param>
    /// <param name="progress">Receives status and per-file progress.</param>
    /// <param name="cancellationToken">Stops the export; the job keeps running and the folder can be resumed.</param>
    /// <returns>The summary.</returns>
    /// <exception cref="AuthenticationException">Credentials were refused.</exception>
    /// <exception cref="FhirBulkException">The server failed the export, or files could not be downloaded (resume later).</exception>
    /// <exception cref="ExportFolderException">
    /// The folder holds an unfinished export (resume or cancel it), files this export did not write (see
    /// <see cref="BulkDataClientOptions.ForeignFiles"/>), is locked by another export, or cannot be written (disk full).
    /// </exception>
    public async Task<ExportResult> ExportToDirectoryAsync(ExportRequest request, string directory, IProgress<ExportProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        request.Validate();
        using var folderLock = ExportFolderLock.Acquire(directory);
        ExportFolderContents.RemoveStaleTemporaries(directory);
        var previous = ExportState.Load(directory);
        // A state whose kick-off never succeeded (no status URL yet, the request refused) holds nothing to carry on: it is
        // moved aside like a finished export, so the corrected command just runs.
        if (previous is { Completed: false, Cancelled: false } && (previous.StatusUrl is not null || previous.ReExports > 0))
        {
            throw new ExportFolderException(directory, $"{directory} holds an unfinished export (status {previous.StatusUrl}); resume or cancel it first.");
        }

        // Checked before anything moves, so a refusal leaves the folder as it was.
        var stamp = HistoryStamp(_options.TimeProvider.GetUtcNow());
        HandleForeignFiles(directory, previous is null ? [] : DescribedFiles(previous), stamp);
        if (previous is not null)
        {
            ArchivePrevious(directory, previous);
        }

        var state = ExportState.Start(BaseUri, request, _options);
        state.Save(directory);
        return await RunAsync(state, directory, progress, cancellationToken).ConfigureAwait(false);
    }

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
    /// <exception cref="ExportFolderException">The folder holds no export, another server's, a cancelled one, files this export did not write, is locked, or cannot be written.</exception>
    public async Task<ExportResult> ResumeExportAsync(string directory, IProgress<ExportProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        using var folderLock = ExportFolderLock.Acquire(directory);
        ExportFolderContents.RemoveStaleTemporaries(directory);
        var state = LoadState(directory);
        if (state.Cancelled)
        {
            throw new ExportFolderException(directory, $"The export in {directory} was cancelled; start a new one.");
        }

        HandleForeignFiles(directory, DescribedFiles(state), HistoryStamp(_options.TimeProvider.GetUtcNow()));
        state.RecordConnection(_options);
        state.Save(directory);
        Log.Resuming(_logger, directory);
        return await RunAsync(state, directory, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Cancels the export saved in <paramref name="directory"/> (DELETE on its status URL) and marks the folder cancelled.</summary>
    /// <param name="directory">The output folder.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>False when the server no longer knew the job.</returns>
    public async Task<bool> CancelExportAsync(string directory, CancellationToken cancellationToken = default)
    {
        using var folderLock = ExportFolderLock.Acquire(directory);
        var state = LoadState(directory);
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

    /// <summary>The transactionTime of the last complete export in <paramref name="directory"/>: what <c>--since auto</c> uses.</summary>
    /// <param name="directory">The output folder.</param>
    /// <returns>The time, or <see langword="null"/> when the folder holds no complete export.</returns>
    public static DateTimeOffset? ReadLastTransactionTime(string directory)
    {
        var state = Directory.Exists(directory) ? ExportState.Load(directory) : null;
        return state is { Completed: true, Manifest.TransactionTime: { } time } ? ParseInstant(time) : null;
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

    private ExportState LoadState(string directory)
    {
        var state = ExportState.LoadExisting(directory);
        if (!string.Equals(state.Server, BaseUri.AbsoluteUri, StringComparison.Ordinal))
        {
            throw new ExportFolderException(directory, $"The export in {directory} is from {state.Server}, not from {BaseUri.AbsoluteUri}; resume it with its own server, or export into another folder.");
        }

        return state;
    }

    private async Task<ExportResult> RunAsync(ExportState state, string directory, IProgress<ExportProgress>? progress, CancellationToken cancellationToken)
    {
        using var activity = FhirBulkActivitySource.Source.StartActivity("FhirBulk.Export");
        var runStarted = _options.TimeProvider.GetUtcNow();
        using var eventLog = new ExportLog(Path.Combine(directory, ExportFolderLayout.LogFileName), _options.TimeProvider);
        var repaired = await RepairDamagedFilesAsync(state, directory, eventLog, cancellationToken).ConfigureAwait(false);
        while (true)
        {
            if (state.Manifest is null)
            {
                await PollToManifestAsync(state, directory, eventLog, progress, cancellationToken).ConfigureAwait(false);
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
            var saver = new StateSaver(() => state.Save(directory), _options.TimeProvider, StateSaveInterval);
            try
            {
                await DownloadFilesAsync(state.OutputOptions(_options), state.Files, manifest, new Uri(state.StatusUrl!), directory, fileProgress, eventLog, saver.Changed, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (TryFlush(saver))
            {
                // Unreachable: TryFlush saves what completed and returns false, so the failure propagates unchanged.
                throw;
            }

            saver.Flush();
            var expired = state.Files.Count(f => f.Status == ExportFileStatus.Expired);
            if (expired > 0 && state.ReExports < _options.MaxReExports)
            {
                // Expired files cannot be fetched again from this job: start a new one. Complete files stay on disk and are
                // kept only where the new manifest plans the same file with the same count (see PollToManifestAsync).
                state.ReExports++;
                Log.ReExporting(_logger, expired, state.ReExports);
                await DeleteJobQuietlyAsync(state, cancellationToken).ConfigureAwait(false);
                foreach (var file in state.Files.Where(f => f.Status != ExportFileStatus.Complete))
                {
                    File.Delete(ExportFolderLayout.FullPath(directory, file.FileName) + ".part");
                }

                state.PreviousFiles = [.. state.Files.Where(f => f.Status == ExportFileStatus.Complete)];
                state.StatusUrl = null;
                state.Manifest = null;
                state.Files = [];
                state.JobDeleted = false;
                state.Save(directory);
                continue;
            }

            var failures = state.Files.Where(f => f.Status is ExportFileStatus.Failed or ExportFileStatus.Expired).ToList();
            if (failures.Count > 0)
            {
                state.Save(directory);
                // Says what completed, so that the user knows what a resume will still fetch; a stall says so first.
                var complete = state.Files.Where(f => f.Status == ExportFileStatus.Complete).Select(f => f.FileName).ToList();
                var completed = complete.Count == 0 ? "none is complete"
                    : $"{complete.Count} {(complete.Count == 1 ? "is" : "are")} complete ({string.Join(", ", complete.Take(3))}{(complete.Count > 3 ? $" and {complete.Count - 3} more" : string.Empty)})";
                var stalled = _http.Stall.HasStalled ? $"The server stopped answering (nothing for {BulkHttp.Minutes(_options.StallTimeout)}). " : string.Empty;
                throw new FhirBulkException(
                    $"{stalled}{failures.Count} of {state.Files.Count} files could not be downloaded (first: {failures[0].FileName}: {failures[0].Error}); {completed}; resume with the same folder to fetch the rest.",
                    null, new Uri(failures[0].Url, UriKind.RelativeOrAbsolute), null, isTransient: failures.All(f => f.Status == ExportFileStatus.Failed));
            }

            await CountErrorFileIssuesAsync(state, directory, cancellationToken).ConfigureAwait(false);
            if (_options.DeleteJobAfterDownload)
            {
                await DeleteJobQuietlyAsync(state, cancellationToken).ConfigureAwait(false);
            }

            state.Completed = true;
            state.Save(directory);
            var duration = _options.TimeProvider.GetUtcNow() - state.StartedAt;
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
                RunDuration = _options.TimeProvider.GetUtcNow() - runStarted,
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
        catch (ExportFolderException)
        {
            // The state on disk is the last one saved; files renamed into place since are found and verified on resume.
        }

        return false;
    }

    /// <summary>Files recorded complete that are missing or changed on disk go back to pending, and are fetched again.</summary>
    private async Task<List<FileProblem>> RepairDamagedFilesAsync(ExportState state, string directory, ExportLog eventLog, CancellationToken cancellationToken)
    {
        var complete = state.Files.Where(f => f.Status == ExportFileStatus.Complete).ToList();
        var problems = await ExportFolderVerifier.CheckAsync(directory, complete, cancellationToken).ConfigureAwait(false);
        if (problems.Count == 0)
        {
            return [];
        }

        foreach (var problem in problems)
        {
            var file = complete.First(f => f.FileName == problem.FileName);
            Log.FileDamaged(_logger, problem.FileName, problem.Problem);
            eventLog.Write("file_damaged", new() { ["fileUrl"] = file.Url, ["file"] = problem.FileName, ["problem"] = problem.Problem });
            FolderIo.Write(directory, problem.FileName, () => File.Delete(ExportFolderLayout.FullPath(directory, problem.FileName)));
            file.Status = ExportFileStatus.Pending;
            file.Sha256 = file.StoredSha256 = null;
            file.StoredBytes = null;
            file.Issues = null;
        }

        // A finished export that is repaired is unfinished until the repair is done.
        state.Completed = false;
        state.Save(directory);
        return [.. problems];
    }

    private static async Task CountErrorFileIssuesAsync(ExportState state, string directory, CancellationToken cancellationToken)
    {
        foreach (var file in state.Files.Where(f => f.Kind == ExportFileKind.Error && f.Status == ExportFileStatus.Complete && f.Issues is null))
        {
            file.Issues = await ErrorFileIssues.CountAsync(ExportFolderLayout.FullPath(directory, file.FileName), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The files <paramref name="state"/> accounts for: its planned files and the manifest and log it wrote.</summary>
    private static IEnumerable<string> DescribedFiles(ExportState state) =>
        state.Files.Select(f => f.FileName)
            .Concat(state.PreviousFiles?.Select(f => f.FileName) ?? [])
            .Append(ExportFolderLayout.LogFileName)
            .Concat(state.Manifest is null ? [] : [ExportFolderLayout.ManifestFileName]);

    /// <summary>Refuses files this export did not write, or moves them under <c>history/</c> when the options say so.</summary>
    private void HandleForeignFiles(string directory, IEnumerable<string> described, string stamp)
    {
        var foreign = ExportFolderContents.Foreign(directory, described);
        if (foreign.Count == 0)
        {
            return;
        }

        if (_options.ForeignFiles == ForeignFilePolicy.Refuse)
        {
            var shown = string.Join(", ", foreign.Take(5)) + (foreign.Count > 5 ? $" and {foreign.Count - 5} more" : string.Empty);
            throw new ExportFolderException(directory, $"{directory} holds {(foreign.Count == 1 ? "a file" : $"{foreign.Count} files")} this export did not write ({shown}); use another folder, or --force to move them under {ExportFolderLayout.HistoryFolderName}/{stamp}/.");
        }

        Log.ForeignFilesMoved(_logger, foreign.Count, directory, stamp);
        ExportFolderContents.MoveToHistory(directory, foreign, stamp);
    }

    private async Task PollToManifestAsync(ExportState state, string directory, ExportLog eventLog, IProgress<ExportProgress>? progress, CancellationToken cancellationToken)
    {
        ExportOperation operation;
        if (state.StatusUrl is null)
        {
            operation = await StartExportAsync(state.Request, eventLog, cancellationToken).ConfigureAwait(false);
            state.StatusUrl = operation.StatusUrl.AbsoluteUri;
            state.Save(directory);
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
                File.Delete(ExportFolderLayout.FullPath(directory, stale.FileName));
            }

            state.PreviousFiles = null;
        }

        var manifestPath = Path.Combine(directory, ExportFolderLayout.ManifestFileName);
        FolderIo.Write(directory, manifestPath, () => AtomicFile.Write(manifestPath, stream => stream.Write(System.Text.Encoding.UTF8.GetBytes(manifest.ToJson()))));
        state.Save(directory);
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
            Log.JobDeleteFailed(_logger, new Uri(state.StatusUrl), exception.Message);
        }
    }

    private static void ArchivePrevious(string directory, ExportState previous)
    {
        var stamp = HistoryStamp(previous.Manifest?.TransactionTime is { } time && ParseInstant(time) is { } instant ? instant : previous.StartedAt);
        ExportFolderContents.MoveToHistory(directory, DescribedFiles(previous).Append(ExportState.FileName), stamp);
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
