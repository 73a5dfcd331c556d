using FhirBulk.Export;

namespace FhirBulk.ExportFolder;

/// <summary>
/// Where an export folder lives: a local folder or a prefix in an object store. <see cref="BulkDataClient"/> decides once
/// what an export folder is (its state, manifest, log, files, resume and repair); a target only says how each of those is
/// kept in its medium, so that an export to S3 and one to a folder are the same export.
/// </summary>
internal abstract class ExportTarget
{
    /// <summary>The folder's full path or the store's URL, for messages and <see cref="ExportResult.Directory"/>.</summary>
    public abstract string Description { get; }

    /// <summary>The S3-compatible server a store target is on (which commands to resume it must name), or <see langword="null"/>.</summary>
    public virtual Uri? S3Endpoint => null;

    /// <summary>Takes the target's writer lock for one export, resume or cancel; disposing releases it.</summary>
    /// <exception cref="ExportFolderException">Another export holds it.</exception>
    public abstract Task<IAsyncDisposable> LockAsync(CancellationToken cancellationToken);

    /// <summary>Removes what a killed run left half written (temporary files, unfinished uploads), under the lock.</summary>
    /// <param name="state">The saved state, whose recorded uploads a store that cannot list them aborts; <see langword="null"/> when there is none.</param>
    /// <param name="cancellationToken">Cancels the clean-up.</param>
    /// <returns>The unfinished uploads the store refused to abort (each still holds storage), for the export's log.</returns>
    public abstract Task<IReadOnlyList<AbandonedUpload>> CleanUpAsync(ExportState? state, CancellationToken cancellationToken);

    /// <summary>The saved state, or <see langword="null"/> when the target holds none.</summary>
    /// <exception cref="ExportFolderException">The state is not a fhir-bulk export state.</exception>
    public abstract Task<ExportState?> LoadStateAsync(CancellationToken cancellationToken);

    /// <summary>Saves the state so that a crash leaves the old or the new one (synchronous: it is <see cref="StateSaver"/>'s action).</summary>
    public abstract void SaveState(ExportState state);

    /// <summary>Opens the export's log, carrying on the one an earlier run wrote.</summary>
    public abstract Task<ExportLog> OpenLogAsync(TimeProvider time, CancellationToken cancellationToken);

    /// <summary>Writes <c>manifest.json</c>, whole or not at all.</summary>
    public abstract Task WriteManifestAsync(ExportManifest manifest, CancellationToken cancellationToken);

    /// <summary>Deletes a file of the export; a missing one is no error.</summary>
    public abstract Task DeleteAsync(string fileName, CancellationToken cancellationToken);

    /// <summary>Deletes what a file's unfinished download left (a local <c>.part</c> file) when it will never be continued.</summary>
    public abstract Task DeletePartialAsync(string fileName, CancellationToken cancellationToken);

    /// <summary>Checks files recorded complete, as a resume must before trusting them: what is missing or changed.</summary>
    public abstract Task<IReadOnlyList<FileProblem>> CheckCompleteAsync(IReadOnlyList<ExportFileState> files, CancellationToken cancellationToken);

    /// <summary>The issues per severity of an error file of the export.</summary>
    public abstract Task<Dictionary<string, long>> CountIssuesAsync(string fileName, CancellationToken cancellationToken);

    /// <summary>The files an export would write, read or list (<see cref="ExportFolderContents.IsExportFile"/>), sorted.</summary>
    public abstract Task<List<string>> ExportFilesAsync(CancellationToken cancellationToken);

    /// <summary>Moves files (relative names) under <c>history/&lt;stamp&gt;/</c>, keeping their relative names.</summary>
    public abstract Task MoveToHistoryAsync(IEnumerable<string> names, string stamp, CancellationToken cancellationToken);

    /// <summary>Moves files that <see cref="MoveToHistoryAsync"/> moved under <c>history/&lt;stamp&gt;/</c> back into place.</summary>
    public abstract Task RestoreFromHistoryAsync(IEnumerable<string> names, string stamp, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes the export's state and log, with nothing written after (the log of a store is otherwise written again as the
    /// lock is released): for an export the server never started, which leaves nothing to resume.
    /// </summary>
    public abstract Task ForgetAsync(CancellationToken cancellationToken);
}

/// <summary>An export folder on the local disk: the files, OS lock and atomic renames the export has always used.</summary>
internal sealed class LocalExportTarget(string directory) : ExportTarget
{
    public string Directory { get; } = directory;

    public override string Description => Directory;

    public override Task<IAsyncDisposable> LockAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IAsyncDisposable>(new Releaser(ExportFolderLock.Acquire(Directory)));

    public override Task<IReadOnlyList<AbandonedUpload>> CleanUpAsync(ExportState? state, CancellationToken cancellationToken)
    {
        ExportFolderContents.RemoveStaleTemporaries(Directory);
        return Task.FromResult<IReadOnlyList<AbandonedUpload>>([]);
    }

    public override Task<ExportState?> LoadStateAsync(CancellationToken cancellationToken) => Task.FromResult(ExportState.Load(Directory));

    public override void SaveState(ExportState state) => state.Save(Directory);

    public override Task<ExportLog> OpenLogAsync(TimeProvider time, CancellationToken cancellationToken) =>
        Task.FromResult(new ExportLog(Path.Combine(Directory, ExportFolderLayout.LogFileName), time));

    public override Task WriteManifestAsync(ExportManifest manifest, CancellationToken cancellationToken)
    {
        var path = Path.Combine(Directory, ExportFolderLayout.ManifestFileName);
        FolderIo.Write(Directory, path, () => AtomicFile.Write(path, stream => stream.Write(System.Text.Encoding.UTF8.GetBytes(manifest.ToJson()))));
        return Task.CompletedTask;
    }

    public override Task DeleteAsync(string fileName, CancellationToken cancellationToken)
    {
        FolderIo.Write(Directory, fileName, () => File.Delete(ExportFolderLayout.FullPath(Directory, fileName)));
        return Task.CompletedTask;
    }

    public override Task DeletePartialAsync(string fileName, CancellationToken cancellationToken) => DeleteAsync(fileName + ".part", cancellationToken);

    // A local file is re-hashed on every resume: reading it back is cheap next to fetching it, and a disk can rot.
    public override Task<IReadOnlyList<FileProblem>> CheckCompleteAsync(IReadOnlyList<ExportFileState> files, CancellationToken cancellationToken) =>
        ExportFolderVerifier.CheckAsync(Directory, files, cancellationToken);

    public override Task<Dictionary<string, long>> CountIssuesAsync(string fileName, CancellationToken cancellationToken) =>
        ErrorFileIssues.CountAsync(Ndjson.NdjsonSource.FromFile(ExportFolderLayout.FullPath(Directory, fileName)), cancellationToken);

    public override Task<List<string>> ExportFilesAsync(CancellationToken cancellationToken) => Task.FromResult(ExportFolderContents.ExportFiles(Directory));

    public override Task MoveToHistoryAsync(IEnumerable<string> names, string stamp, CancellationToken cancellationToken)
    {
        ExportFolderContents.MoveToHistory(Directory, names, stamp);
        return Task.CompletedTask;
    }

    public override Task RestoreFromHistoryAsync(IEnumerable<string> names, string stamp, CancellationToken cancellationToken)
    {
        ExportFolderContents.RestoreFromHistory(Directory, names, stamp);
        return Task.CompletedTask;
    }

    public override async Task ForgetAsync(CancellationToken cancellationToken)
    {
        await DeleteAsync(ExportFolderLayout.StateFileName, cancellationToken).ConfigureAwait(false);
        await DeleteAsync(ExportFolderLayout.LogFileName, cancellationToken).ConfigureAwait(false);
    }

    private sealed class Releaser(ExportFolderLock folderLock) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            folderLock.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>An unfinished upload a killed run left that the store refused to abort: it holds storage until a lifecycle rule
/// of the bucket removes it.</summary>
/// <param name="Object">The object's URL.</param>
/// <param name="UploadId">The store's id of the upload.</param>
/// <param name="Reason">The store's answer.</param>
internal sealed record AbandonedUpload(string Object, string UploadId, string Reason);
