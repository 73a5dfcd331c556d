using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using FhirBulk.Diagnostics;
using FhirBulk.Export;
using FhirBulk.Ndjson;
using FhirBulk.Storage;
using Microsoft.Extensions.Logging;

namespace FhirBulk.ExportFolder;

/// <summary>
/// An export folder as objects under a store's prefix (<c>s3://bucket/prefix</c>, <c>az://container/prefix</c>): the same
/// names as on disk, the state, manifest and log written whole as objects (a store replaces an object atomically), data
/// streamed into multipart uploads (<see cref="FileDownloader"/>), and a lock object instead of an OS lock.
/// </summary>
internal sealed class StoreExportTarget(ObjectStore store, ILogger logger, TimeProvider time) : ExportTarget
{
    // A resume checks objects by size and ETag only (hashing them would download the whole export again), and damage inside
    // the store changes neither: the user must be told how to get such a file fetched again.
    private const string ResumeCannotSee = "; its size and ETag are unchanged, so 'export --resume' trusts it: delete the object, then resume to fetch it again";

    private ExportLog? _log;

    public ObjectStore Store => store;

    public override string Description => store.Location.ToString();

    public override Uri? S3Endpoint => store.S3Endpoint;

    public override async Task<IAsyncDisposable> LockAsync(CancellationToken cancellationToken)
    {
        var held = await StoreExportLock.AcquireAsync(store, logger, time, cancellationToken).ConfigureAwait(false);
        return new Releaser(this, held);
    }

    /// <summary>
    /// Aborts the multipart uploads a killed run left: those the store lists under the export's names, and those the state
    /// recorded (a store that cannot list them, such as s3rver, is still asked to abort each). Under the lock nobody else
    /// writes these names. An abort the store refuses is logged, not fatal: the upload is invisible, and only holds storage.
    /// </summary>
    public override async Task<IReadOnlyList<AbandonedUpload>> CleanUpAsync(ExportState? state, CancellationToken cancellationToken)
    {
        var abandoned = new List<AbandonedUpload>();
        var uploads = new Dictionary<string, PendingUpload>(StringComparer.Ordinal);
        try
        {
            await foreach (var upload in store.ListPendingUploadsAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                if (ExportFolderContents.IsExportFile(upload.Name))
                {
                    uploads[upload.UploadId] = upload;
                }
            }
        }
        catch (StorageException e) when (IsUnsupported(e))
        {
            // Listing is optional in S3-compatible servers; the uploads the state recorded are aborted below all the same.
        }

        foreach (var file in state?.Files ?? [])
        {
            if (file.UploadId is { } id)
            {
                uploads.TryAdd(id, new PendingUpload(file.FileName, id, null));
            }
        }

        foreach (var upload in uploads.Values)
        {
            try
            {
                await store.AbortPendingUploadAsync(upload, cancellationToken).ConfigureAwait(false);
            }
            catch (StorageException e) when (!e.IsTransient)
            {
                Log.UploadAbortFailed(logger, store.Describe(upload.Name), upload.UploadId, e.Message);
                abandoned.Add(new AbandonedUpload(store.Describe(upload.Name), upload.UploadId, e.Message));
            }
        }

        foreach (var file in state?.Files ?? [])
        {
            file.UploadId = null;
        }

        return abandoned;
    }

    public override async Task<ExportState?> LoadStateAsync(CancellationToken cancellationToken)
    {
        var bytes = await ReadAsync(ExportFolderLayout.StateFileName, cancellationToken).ConfigureAwait(false);
        if (bytes is null)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(bytes, StateJsonContext.Default.ExportState) ?? throw new JsonException("it is empty");
        }
        catch (JsonException exception)
        {
            throw new ExportFolderException(Description, $"{store.Describe(ExportFolderLayout.StateFileName)} is not a fhir-bulk export state ({exception.Message}); delete it to start a new export under this prefix.", exception);
        }
    }

    /// <summary>Writes the state, then the log as it stands: the log object is never behind the state a resume reads.</summary>
    public override void SaveState(ExportState state)
    {
        // Called by StateSaver, at most once a second and when files complete; the object is about 600 bytes per file. It is
        // serialized straight into the write: a copy per save was large-object garbage past a few hundred files (issue 13).
        WriteAsync(ExportFolderLayout.StateFileName, content => JsonSerializer.Serialize(content, state, StateJsonContext.Default.ExportState), CancellationToken.None).GetAwaiter().GetResult();
        if (_log is { } log)
        {
            WriteAsync(ExportFolderLayout.LogFileName, log.Snapshot(), CancellationToken.None).GetAwaiter().GetResult();
        }
    }

    public override async Task<ExportLog> OpenLogAsync(TimeProvider time, CancellationToken cancellationToken)
    {
        var earlier = await ReadAsync(ExportFolderLayout.LogFileName, cancellationToken).ConfigureAwait(false) ?? [];
        return _log = ExportLog.InMemory(earlier, store.Describe(ExportFolderLayout.LogFileName), time);
    }

    public override Task WriteManifestAsync(ExportManifest manifest, CancellationToken cancellationToken) =>
        WriteAsync(ExportFolderLayout.ManifestFileName, System.Text.Encoding.UTF8.GetBytes(manifest.ToJson()), cancellationToken);

    public override Task DeleteAsync(string fileName, CancellationToken cancellationToken) => store.DeleteAsync(fileName, cancellationToken);

    // An unfinished object write leaves no object, only an upload that CleanUpAsync aborts: there is nothing else to delete.
    public override Task DeletePartialAsync(string fileName, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Each object must exist with the recorded size and ETag: that costs one HEAD per file, where re-reading a large export
    /// from the store would cost its whole size in transfer. <c>inspect --verify</c> re-hashes (<see cref="VerifyAsync"/>).
    /// </summary>
    public override Task<IReadOnlyList<FileProblem>> CheckCompleteAsync(IReadOnlyList<ExportFileState> files, CancellationToken cancellationToken) =>
        CheckAsync(files, hash: false, cancellationToken);

    /// <summary>Checks the objects as <see cref="CheckCompleteAsync"/> does, and reads each back to compare its SHA-256 with the recorded one.</summary>
    public Task<IReadOnlyList<FileProblem>> VerifyAsync(IReadOnlyList<ExportFileState> files, CancellationToken cancellationToken) =>
        CheckAsync(files, hash: true, cancellationToken);

    public override Task<Dictionary<string, long>> CountIssuesAsync(string fileName, CancellationToken cancellationToken) =>
        ErrorFileIssues.CountAsync(NdjsonSource.FromStoreObjects(store, [new NdjsonFile(fileName, null, null)]), cancellationToken);

    public override async Task<List<string>> ExportFilesAsync(CancellationToken cancellationToken)
    {
        var names = new List<string>();
        await foreach (var stored in store.ListAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            if (ExportFolderContents.IsExportFile(stored.Name))
            {
                names.Add(stored.Name);
            }
        }

        names.Sort(StringComparer.Ordinal);
        return names;
    }

    /// <summary>A store has no rename: each object is streamed to its new name, then deleted (memory flat, time in its size).</summary>
    public override Task MoveToHistoryAsync(IEnumerable<string> names, string stamp, CancellationToken cancellationToken) =>
        MoveAsync(names, name => name, name => $"{ExportFolderLayout.HistoryFolderName}/{stamp}/{name}", cancellationToken);

    // A prefix has no folders of its own: once its objects are moved back, history/<stamp>/ is gone too.
    public override Task RestoreFromHistoryAsync(IEnumerable<string> names, string stamp, CancellationToken cancellationToken) =>
        MoveAsync(names, name => $"{ExportFolderLayout.HistoryFolderName}/{stamp}/{name}", name => name, cancellationToken);

    public override async Task ForgetAsync(CancellationToken cancellationToken)
    {
        _log = null;
        await store.DeleteAsync(ExportFolderLayout.StateFileName, cancellationToken).ConfigureAwait(false);
        await store.DeleteAsync(ExportFolderLayout.LogFileName, cancellationToken).ConfigureAwait(false);
    }

    private async Task MoveAsync(IEnumerable<string> names, Func<string, string> from, Func<string, string> to, CancellationToken cancellationToken)
    {
        foreach (var name in names)
        {
            if (!await store.ExistsAsync(from(name), cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            var source = await store.OpenReadAsync(from(name), cancellationToken: cancellationToken).ConfigureAwait(false);
            await using (source.ConfigureAwait(false))
            {
                await store.WriteAsync(to(name), source, cancellationToken).ConfigureAwait(false);
            }

            await store.DeleteAsync(from(name), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A listing or abort the server does not implement (s3rver answers 501 or 405), as opposed to one that failed.</summary>
    private static bool IsUnsupported(StorageException e) =>
        e.StatusCode is HttpStatusCode.NotImplemented or HttpStatusCode.MethodNotAllowed || e.ErrorCode is "NotImplemented" or "MethodNotAllowed";

    private async Task<IReadOnlyList<FileProblem>> CheckAsync(IReadOnlyList<ExportFileState> files, bool hash, CancellationToken cancellationToken)
    {
        var problems = new FileProblem?[files.Count];
        await Parallel.ForAsync(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (i, token) =>
        {
            problems[i] = await CheckAsync(files[i], hash, token).ConfigureAwait(false);
        }).ConfigureAwait(false);
        return [.. problems.OfType<FileProblem>()];
    }

    private async Task<FileProblem?> CheckAsync(ExportFileState file, bool hash, CancellationToken cancellationToken)
    {
        var stored = await store.GetPropertiesAsync(file.FileName, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            return new FileProblem(file.FileName, "missing");
        }

        if (file.StoredBytes is { } size && stored.Size != size)
        {
            return new FileProblem(file.FileName, $"{stored.Size:N0} bytes in the store, {size:N0} recorded");
        }

        if (file.StoredETag is { } etag && stored.ETag is { } now && etag != now)
        {
            return new FileProblem(file.FileName, "the object was replaced since it was written (its ETag changed)");
        }

        if (!hash || file.StoredSha256 is not { } expected)
        {
            return null;
        }

        try
        {
            var content = await store.OpenReadAsync(file.FileName, cancellationToken: cancellationToken).ConfigureAwait(false);
            await using (content.ConfigureAwait(false))
            {
                var actual = Convert.ToHexStringLower(await SHA256.HashDataAsync(content, cancellationToken).ConfigureAwait(false));
                return actual == expected ? null : new FileProblem(file.FileName, "SHA-256 differs from the recorded one" + ResumeCannotSee) { ResumeRepairs = false };
            }
        }
        catch (StorageException e) when (e.ErrorCode == ObjectStore.ChecksumMismatch)
        {
            // The store's own checksum caught the damage before ours could: the file is as damaged as one whose hash differs.
            return new FileProblem(file.FileName, "its bytes no longer match the store's checksum" + ResumeCannotSee) { ResumeRepairs = false, Unreadable = true };
        }
    }

    /// <summary>An object's bytes (a small one: the state, manifest or log), or <see langword="null"/> when there is none.</summary>
    public async Task<byte[]?> ReadAsync(string name, CancellationToken cancellationToken)
    {
        if (!await store.ExistsAsync(name, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var content = await store.OpenReadAsync(name, cancellationToken: cancellationToken).ConfigureAwait(false);
        await using (content.ConfigureAwait(false))
        {
            using var bytes = new MemoryStream();
            await content.CopyToAsync(bytes, cancellationToken).ConfigureAwait(false);
            return bytes.ToArray();
        }
    }

    private Task WriteAsync(string name, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken) =>
        WriteAsync(name, content => content.Write(bytes.Span), cancellationToken);

    private async Task WriteAsync(string name, Action<Stream> write, CancellationToken cancellationToken)
    {
        var writer = store.OpenWrite(name);
        await using (writer.ConfigureAwait(false))
        {
            write(writer);
            await writer.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Releases the lock after writing the log as it ends: events after the last state save (export_complete) are kept.</summary>
    private sealed class Releaser(StoreExportTarget target, StoreExportLock held) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                if (target._log is { } log)
                {
                    await target.WriteAsync(ExportFolderLayout.LogFileName, log.Snapshot(), CancellationToken.None).ConfigureAwait(false);
                }
            }
            catch (StorageException)
            {
                // The log is diagnostic; a failure to write it must not replace the failure being reported.
            }

            await held.DisposeAsync().ConfigureAwait(false);
        }
    }
}
