using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using FhirBulk.Diagnostics;
using FhirBulk.ExportFolder;
using FhirBulk.Http;
using FhirBulk.Ndjson;
using FhirBulk.Storage;
using Microsoft.Extensions.Logging;
using Polly;

namespace FhirBulk.Export;

/// <summary>
/// Downloads one manifest file to <c>&lt;name&gt;.part</c>, then renames it: verifying lines and hashing as it streams,
/// continuing a cut transfer with HTTP Range, and retrying transient failures with backoff.
/// </summary>
internal sealed partial class FileDownloader(BulkHttp http, BulkDataClientOptions options, ILogger logger, ExportLog? eventLog)
{
    private const int BufferSize = 128 * 1024;

    // Below the large object heap's 85,000 bytes: for a buffer that cannot come from _copyBuffers (a FileStream's own).
    private const int SmallBufferSize = 64 * 1024;
    private const long ProgressEvery = 256 * 1024;

    // A slow download reports by time as well as by bytes, so that a display can show its rate and time left.
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(500);

    // One copy buffer per file in flight, reused across files: a 128 KiB array is on the large object heap, and one allocated
    // per file stayed as garbage until a rare full collection, so memory grew with the number of files exported (issue 13).
    private readonly BufferPool _copyBuffers = new(BufferSize);

    private readonly ResiliencePipeline _retries = DownloadRetries.Create(options, logger, http.Stall);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _partsWrittenThisRun = new(StringComparer.Ordinal);

    public async Task DownloadAsync(ExportFileState file, Uri manifestUrl, bool requiresAccessToken, ExportTarget target, IProgress<DownloadProgress>? progress, StateSaver? saver, CancellationToken cancellationToken)
    {
        using var activity = FhirBulkActivitySource.Source.StartActivity("FhirBulk.Download");
        activity?.SetTag("fhirbulk.file", file.FileName);
        var expectedType = file.Type == ExportFolderLayout.UnknownType ? null : file.Type;
        var store = (target as StoreExportTarget)?.Store;
        var directory = (target as LocalExportTarget)?.Directory;
        var path = directory is null ? null : ExportFolderLayout.FullPath(directory, file.FileName);
        if (directory is not null)
        {
            FolderIo.Write(directory, path!, () => Directory.CreateDirectory(Path.GetDirectoryName(path)!));
        }

        // A file already in place (renamed, or its object committed) was complete and verified before a crash: re-read it, fetch nothing.
        if (await VerifyExistingAsync(file, store, path, expectedType, cancellationToken).ConfigureAwait(false))
        {
            progress?.Report(new DownloadProgress(file.FileName, file.Type, file.Bytes, file.Bytes, file.Status));
            return;
        }

        if (!Uri.TryCreate(manifestUrl, file.Url, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            Fail(file, null, ExportFileStatus.Failed, $"'{file.Url}' is not an http(s) URL", null);
            return;
        }

        // Another file already waited out the stall timeout: the server is gone, and trying this one would only wait again.
        if (http.Stall.HasStalled)
        {
            Fail(file, url, ExportFileStatus.Failed, $"not tried: the server stopped answering (nothing for {BulkHttp.Minutes(options.StallTimeout)})", null);
            return;
        }

        eventLog?.Write("download_request", new() { ["fileUrl"] = url.AbsoluteUri, ["itemType"] = ItemType(file.Kind), ["resourceType"] = file.Type });
        if (store is not null)
        {
            var upload = new StoreUpload(this, http, options, store, file, url, requiresAccessToken, expectedType, progress, saver);
            await using (upload.ConfigureAwait(false))
            {
                if (await TransferWithRetriesAsync(file, url, () => upload.Received, upload.TransferAsync, cancellationToken).ConfigureAwait(false))
                {
                    await upload.CommitAsync(cancellationToken).ConfigureAwait(false);
                    Completed(file, url, progress);
                }
            }

            return;
        }

        var partPath = path + ".part";
        if (await TransferWithRetriesAsync(file, url, () => File.Exists(partPath) ? new FileInfo(partPath).Length : 0, (started, token) => TransferAsync(file, url, requiresAccessToken, directory!, path!, partPath, expectedType, progress, started, token), cancellationToken).ConfigureAwait(false))
        {
            Completed(file, url, progress);
        }
    }

    /// <summary>Runs a transfer with the download retries; false when the file failed (the others carry on).</summary>
    private async Task<bool> TransferWithRetriesAsync(ExportFileState file, Uri url, Func<long> received, Func<DateTimeOffset, CancellationToken, Task> transfer, CancellationToken cancellationToken)
    {
        try
        {
            await _retries.ExecuteTransferAsync(url, file.FileName, received, transfer, cancellationToken, options.TimeProvider).ConfigureAwait(false);
            return true;
        }
        catch (FhirBulkException exception) when (exception.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone && exception is not StorageException)
        {
            Fail(file, url, ExportFileStatus.Expired, exception.Message, exception.StatusCode);
        }
        catch (Exception exception) when (exception is FhirBulkException and not AuthenticationException and not ExportFolderException and not StorageException || BulkHttp.IsTransientNetworkFailure(exception, cancellationToken))
        {
            // Not transient, or out of retries: this file fails, the others carry on. (A store or a folder that cannot be
            // written fails the whole export: every other file would fail the same way.)
            Fail(file, url, ExportFileStatus.Failed, exception.Message, (exception as FhirBulkException)?.StatusCode);
        }

        return false;
    }

    private void Completed(ExportFileState file, Uri url, IProgress<DownloadProgress>? progress)
    {
        progress?.Report(new DownloadProgress(file.FileName, file.Type, file.Bytes, file.Bytes, file.Status));
        eventLog?.Write("download_complete", new() { ["fileUrl"] = url.AbsoluteUri, ["resourceCount"] = file.Resources, ["fileSize"] = file.Bytes });
    }

    private static string ItemType(ExportFileKind kind) => kind switch
    {
        ExportFileKind.Error => "error",
        ExportFileKind.Deleted => "deleted",
        _ => "output",
    };

    private async Task TransferAsync(ExportFileState file, Uri url, bool requiresAccessToken, string directory, string path, string partPath, string? expectedType, IProgress<DownloadProgress>? progress, DateTimeOffset started, CancellationToken cancellationToken)
    {
        // A part this run wrote holds exactly the bytes received (a retry continues it whole, however long its lines); one left
        // by an earlier run may have been torn or half written when that run died.
        var offset = !File.Exists(partPath) ? 0
            : _partsWrittenThisRun.ContainsKey(partPath) ? new FileInfo(partPath).Length
            : await TrustedPartLengthAsync(directory, partPath, expectedType, cancellationToken).ConfigureAwait(false);
        var etag = file.ETag;
        using var response = await http.SendAsync(u => CreateRequest(u, offset, etag, options.TransferCompression), url, requiresAccessToken, cancellationToken, $"download of {file.FileName}", stallFrom: started).ConfigureAwait(false);
        if (response.Headers.ETag is { IsWeak: false } strong)
        {
            file.ETag = strong.ToString();
        }

        var alreadyComplete = false;
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            // A crash after the last byte but before the rename: the part file is the whole file.
            if (response.Content.Headers.ContentRange?.Length != offset || offset == 0)
            {
                File.Delete(partPath);
                throw new IOException($"{url} refused the range from byte {offset} (416); starting the file again.");
            }

            alreadyComplete = true;
        }
        else if (offset > 0 && (response.StatusCode != HttpStatusCode.PartialContent || response.Content.Headers.ContentRange?.From != offset))
        {
            // The server ignored the Range (or answered another one): start the file again.
            offset = 0;
        }

        using var verifier = new NdjsonVerifier(file.FileName, expectedType, options.MalformedLines);
        var buffer = _copyBuffers.Rent();
        try
        {
            // Local writes fail as the folder's problem (disk full), never as a network failure to retry.
            await using (var output = new WriteFailureStream(new FileStream(partPath, offset > 0 ? FileMode.Open : FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1, useAsync: true), e => FolderIo.Failure(directory, partPath, e)))
            {
                _partsWrittenThisRun.TryAdd(partPath, 0);
                // Re-verify the prefix already on disk so counts and the hash cover the whole file.
                while (output.Position < offset)
                {
                    var read = await output.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, offset - output.Position)), cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        break;
                    }

                    verifier.Append(buffer.AsSpan(0, read));
                }

                output.SetLength(offset);
                if (alreadyComplete)
                {
                    output.FlushToDisk();
                }
                else
                {
                    await CopyAsync(response, url, output, verifier, buffer, offset, file, progress, null, cancellationToken).ConfigureAwait(false);
                    output.FlushToDisk();
                }
            }
        }
        finally
        {
            _copyBuffers.Return(buffer);
        }

        Finish(file, verifier);
        if (path.EndsWith(".gz", StringComparison.Ordinal))
        {
            (file.StoredBytes, file.StoredSha256) = await CompressAsync(directory, partPath, path, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            (file.StoredBytes, file.StoredSha256) = (file.Bytes, file.Sha256);
            FolderIo.Write(directory, path, () => File.Move(partPath, path, overwrite: true));
        }
    }

    /// <summary>
    /// How much of a part file left by an earlier run can be continued: up to the end of its last whole line, and nothing
    /// when a line before that is not a resource of the file's type. A crash leaves a torn last line and a power loss can
    /// leave the tail unwritten (zeros); neither may be spliced into the file, so the tail is cut and a damaged part is
    /// fetched again from the start. (A byte changed inside a still-valid line cannot be told from the server's data.)
    /// </summary>
    private async Task<long> TrustedPartLengthAsync(string directory, string partPath, string? expectedType, CancellationToken cancellationToken)
    {
        var buffer = _copyBuffers.Rent();
        long whole = 0;
        using var check = new NdjsonVerifier(partPath, expectedType, ErrorPolicy.Skip);
        try
        {
            await using (var part = new FileStream(partPath, FileMode.Open, FileAccess.Read, FileShare.None, 1, useAsync: true))
            {
                long position = 0;
                int read;
                while ((read = await part.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    var chunk = buffer.AsSpan(0, read);
                    if (chunk.LastIndexOf((byte)'\n') is var newline and >= 0)
                    {
                        check.Append(chunk[..(newline + 1)]);
                        whole = position + newline + 1;
                        if (newline + 1 < read)
                        {
                            check.Append(chunk[(newline + 1)..]);
                        }
                    }
                    else
                    {
                        check.Append(chunk);
                    }

                    position += read;
                }
            }
        }
        finally
        {
            _copyBuffers.Return(buffer);
        }

        // Lines counted up to the last newline only: the verifier judges the torn tail when it completes, which is not done here.
        var damaged = check.MalformedLines.Count > 0;
        var length = damaged ? 0 : whole;
        if (length != new FileInfo(partPath).Length)
        {
            Log.PartFileCut(logger, partPath, new FileInfo(partPath).Length, length, damaged ? "a line before its end is not a resource" : "its last line is not whole");
            FolderIo.Write(directory, partPath, () =>
            {
                using var part = new FileStream(partPath, FileMode.Open, FileAccess.Write, FileShare.None);
                part.SetLength(length);
            });
        }

        return length;
    }

    // written: called after each write to output (an upload records its id once its first part is sent).
    private async Task CopyAsync(HttpResponseMessage response, Uri url, Stream output, NdjsonVerifier verifier, byte[] buffer, long offset, ExportFileState file, IProgress<DownloadProgress>? progress, Action? written, CancellationToken cancellationToken)
    {
        long? total = response.Content.Headers.ContentLength is { } length && response.Content.Headers.ContentEncoding.Count == 0 ? offset + length : null;
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        if (response.Content.Headers.ContentEncoding.Contains("gzip", StringComparer.OrdinalIgnoreCase))
        {
            // A body cut before its gzip trailer throws an IOException, as a cut connection does, and is fetched again.
            stream = new CheckedGzipStream(stream, file.FileName);
        }

        // A body has no overall time limit (files can be large), but one that sends nothing for the stall timeout is given
        // up on as a cut connection: otherwise a server that hangs mid-body would keep the client waiting forever.
        using var idle = new CancellationTokenSource(Timeout.InfiniteTimeSpan, options.TimeProvider);
        using var read = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, idle.Token);
        await using (stream.ConfigureAwait(false))
        {
            // The first chunk is reported at once so a progress bar appears before the first full step.
            var reported = -ProgressEvery;
            var reportedAt = Stopwatch.GetTimestamp();
            while (true)
            {
                idle.CancelAfter(options.StallTimeout);
                int count;
                try
                {
                    count = await stream.ReadAsync(buffer, read.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException exception) when (idle.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    throw new IOException($"{url} sent nothing for {BulkHttp.Minutes(options.StallTimeout)} after byte {verifier.Bytes}.", exception);
                }

                if (count == 0)
                {
                    break;
                }

                http.Stall.Touch();
                await output.WriteAsync(buffer.AsMemory(0, count), cancellationToken).ConfigureAwait(false);
                written?.Invoke();
                verifier.Append(buffer.AsSpan(0, count));
                if (verifier.Bytes - reported >= ProgressEvery || Stopwatch.GetElapsedTime(reportedAt) >= ProgressInterval)
                {
                    reported = verifier.Bytes;
                    reportedAt = Stopwatch.GetTimestamp();
                    progress?.Report(new DownloadProgress(file.FileName, file.Type, verifier.Bytes, total, ExportFileStatus.Pending));
                }
            }
        }

        await output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static HttpRequestMessage CreateRequest(Uri url, long offset, string? etag, TransferCompression compression)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("Accept", "application/fhir+ndjson");

        // Ranges count bytes of the representation sent; asking for identity on a resume keeps offsets in plain bytes.
        if (offset > 0)
        {
            request.Headers.Range = new System.Net.Http.Headers.RangeHeaderValue(offset, null);
            if (etag is not null && System.Net.Http.Headers.EntityTagHeaderValue.TryParse(etag, out var tag))
            {
                request.Headers.IfRange = new System.Net.Http.Headers.RangeConditionHeaderValue(tag);
            }

            request.Headers.TryAddWithoutValidation("Accept-Encoding", "identity");
        }
        else
        {
            // The request URL, not the manifest's: a redirect to another host is judged on where it leads.
            var gzip = compression == TransferCompression.Gzip || (compression == TransferCompression.Auto && !url.IsLoopback);
            request.Headers.TryAddWithoutValidation("Accept-Encoding", gzip ? "gzip" : "identity");
        }

        return request;
    }

    /// <summary>
    /// Compresses the verified part file into place; the part is kept until the compressed file is renamed in.
    /// Returns the size and SHA-256 of the compressed bytes, which is what a later check of the folder reads.
    /// </summary>
    private static async Task<(long Bytes, string Sha256)> CompressAsync(string directory, string partPath, string path, CancellationToken cancellationToken)
    {
        var temporary = path + AtomicFile.TemporaryExtension;
        try
        {
            await FolderIo.WriteAsync(directory, temporary, async () =>
            {
                // The copy reads through a pooled buffer; the output's own buffer gathers the compressor's small writes and stays
                // under the large object heap, as a buffer allocated per file must (see _copyBuffers).
                await using var input = new FileStream(partPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1, useAsync: true);
                await using var output = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, SmallBufferSize, useAsync: true);
                await using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
                {
                    await input.CopyToAsync(gzip, cancellationToken).ConfigureAwait(false);
                }

                output.Flush(flushToDisk: true);
            }).ConfigureAwait(false);
            var stored = (new FileInfo(temporary).Length, await ExportFolderVerifier.HashAsync(temporary, decompress: false, cancellationToken).ConfigureAwait(false));
            FolderIo.Write(directory, path, () =>
            {
                File.Move(temporary, path, overwrite: true);
                File.Delete(partPath);
            });
            return stored;
        }
        catch
        {
            FolderIo.DeleteQuietly(temporary);
            throw;
        }
    }

    /// <summary>
    /// When the file is already in place, reads it back to recount and rehash it (nothing is fetched) and returns true. The
    /// state may have been saved before the file completed: what is in place is the truth.
    /// </summary>
    private async Task<bool> VerifyExistingAsync(ExportFileState file, ObjectStore? store, string? path, string? expectedType, CancellationToken cancellationToken)
    {
        var compressed = file.FileName.EndsWith(".gz", StringComparison.Ordinal);
        if (store is not null)
        {
            if (await store.GetPropertiesAsync(file.FileName, cancellationToken).ConfigureAwait(false) is not { } stored)
            {
                return false;
            }

            async Task<Stream> Open() => await store.OpenReadAsync(file.FileName, cancellationToken: cancellationToken).ConfigureAwait(false);
            await VerifyStoredAsync(file, Open, stored.Size, compressed, cancellationToken).ConfigureAwait(false);
            file.StoredETag = stored.ETag;
            return true;
        }

        if (!File.Exists(path))
        {
            return false;
        }

        Task<Stream> OpenFile() => Task.FromResult<Stream>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, useAsync: true));
        await VerifyStoredAsync(file, OpenFile, new FileInfo(path).Length, compressed, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task VerifyStoredAsync(ExportFileState file, Func<Task<Stream>> open, long storedLength, bool compressed, CancellationToken cancellationToken)
    {
        var expectedType = file.Type == ExportFolderLayout.UnknownType ? null : file.Type;
        using var verifier = new NdjsonVerifier(file.FileName, expectedType, options.MalformedLines);
        var buffer = _copyBuffers.Rent();
        await using var stored = await open().ConfigureAwait(false);
        await using var input = compressed ? new CheckedGzipStream(stored, file.FileName) : stored;
        try
        {
            int read;
            while ((read = await input.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                verifier.Append(buffer.AsSpan(0, read));
            }
        }
        catch (GzipEndOfStreamException cut)
        {
            verifier.Truncated(cut.CompressedBytesRead, cut.Corruption);
        }
        finally
        {
            _copyBuffers.Return(buffer);
        }

        Finish(file, verifier);
        file.StoredBytes = storedLength;
        if (compressed)
        {
            await using var again = await open().ConfigureAwait(false);
            file.StoredSha256 = Convert.ToHexStringLower(await System.Security.Cryptography.SHA256.HashDataAsync(again, cancellationToken).ConfigureAwait(false));
        }
        else
        {
            file.StoredSha256 = file.Sha256;
        }
    }

    private void Finish(ExportFileState file, NdjsonVerifier verifier)
    {
        file.Sha256 = verifier.Complete();
        file.Bytes = verifier.Bytes;
        file.Resources = verifier.Resources;
        var invalid = verifier.MalformedLines.Examples;
        file.InvalidLines = verifier.MalformedLines.Count;
        file.InvalidLineSamples = invalid.Count > 0 ? [.. invalid.Select(line => new InvalidLine(line.LineNumber, line.Message))] : null;
        file.Status = ExportFileStatus.Complete;
        file.Error = null;
        foreach (var line in invalid)
        {
            Log.InvalidLine(logger, file.FileName, line.LineNumber, line.Message);
        }

        if (file.CountMismatch)
        {
            Log.CountMismatch(logger, file.FileName, file.DeclaredCount!.Value, file.Resources);
        }

        Log.FileDownloaded(logger, file.FileName, file.Resources, file.Bytes);
    }

    // url: the file's URL resolved against the manifest's, or null when the manifest's could not be resolved (then the
    // warning names it as the manifest wrote it, possibly relative or malformed).
    private void Fail(ExportFileState file, Uri? url, ExportFileStatus status, string message, HttpStatusCode? code)
    {
        file.Status = status;
        file.Error = message;
        Log.FileFailed(logger, url?.AbsoluteUri ?? file.Url, url is null ? message : BulkHttp.WithoutUrl(message, url));
        eventLog?.Write("download_error", new() { ["fileUrl"] = UrlRedaction.Redacted(file.Url), ["code"] = (int?)code, ["message"] = message });
    }
}
