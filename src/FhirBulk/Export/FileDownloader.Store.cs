using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using FhirBulk.ExportFolder;
using FhirBulk.Http;
using FhirBulk.Ndjson;
using FhirBulk.Storage;

namespace FhirBulk.Export;

internal sealed partial class FileDownloader
{
    /// <summary>
    /// One file streamed from the server into an object write (S3 multipart upload, Azure staged blocks): one part in memory
    /// whatever the file's size, verified and hashed as it streams, visible only once committed. Within a run a cut transfer
    /// continues with HTTP Range into the same write, which still holds every byte received; across runs nothing half
    /// written survives (a killed run's upload is aborted on resume, see <see cref="StoreExportTarget.CleanUpAsync"/>), so
    /// the file starts again.
    /// </summary>
    private sealed class StoreUpload(FileDownloader downloader, BulkHttp http, BulkDataClientOptions options, ObjectStore store, ExportFileState file, Uri url, bool requiresAccessToken, string? expectedType, IProgress<DownloadProgress>? progress, StateSaver? saver) : IAsyncDisposable
    {
        private readonly byte[] _buffer = downloader._copyBuffers.Rent();
        private ObjectWriter? _writer;
        private NdjsonVerifier? _verifier;

        // With --gzip-files: the compressor writes through a hash of the stored bytes into the object.
        private SHA256? _storedHash;
        private CryptoStream? _hashing;
        private GZipStream? _gzip;

        /// <summary>NDJSON bytes received and kept this run.</summary>
        public long Received => _verifier?.Bytes ?? 0;

        public async Task TransferAsync(DateTimeOffset started, CancellationToken cancellationToken)
        {
            var offset = Received;
            var etag = file.ETag;
            using var response = await http.SendAsync(u => CreateRequest(u, offset, etag, options.TransferCompression), url, requiresAccessToken, cancellationToken, $"download of {file.FileName}", stallFrom: started).ConfigureAwait(false);
            if (response.Headers.ETag is { IsWeak: false } strong)
            {
                file.ETag = strong.ToString();
            }

            if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
            {
                // The cut came after the last byte: everything is already in the write.
                if (offset > 0 && response.Content.Headers.ContentRange?.Length == offset)
                {
                    return;
                }

                await RestartAsync().ConfigureAwait(false);
                throw new IOException($"{url} refused the range from byte {offset} (416); starting the file again.");
            }

            if (offset > 0 && (response.StatusCode != HttpStatusCode.PartialContent || response.Content.Headers.ContentRange?.From != offset))
            {
                // The server ignored the Range (or answered another one): start the file again.
                await RestartAsync().ConfigureAwait(false);
                offset = 0;
            }

            var output = Open();
            await downloader.CopyAsync(response, url, output, _verifier!, _buffer, offset, file, progress, RecordUpload, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>Makes the object visible, and records what a resume checks it by.</summary>
        /// <exception cref="StorageException">The store refused the write.</exception>
        public async Task CommitAsync(CancellationToken cancellationToken)
        {
            downloader.Finish(file, _verifier!);
            if (_gzip is not null)
            {
                await _gzip.DisposeAsync().ConfigureAwait(false);
                await _hashing!.FlushFinalBlockAsync(cancellationToken).ConfigureAwait(false);
                (file.StoredBytes, file.StoredSha256) = (_writer!.BytesWritten, Convert.ToHexStringLower(_storedHash!.Hash!));
            }
            else
            {
                (file.StoredBytes, file.StoredSha256) = (file.Bytes, file.Sha256);
            }

            var stored = await _writer!.CommitAsync(cancellationToken).ConfigureAwait(false);
            file.StoredETag = stored.ETag;
            file.UploadId = null;
        }

        public async ValueTask DisposeAsync()
        {
            await RestartAsync().ConfigureAwait(false);
            downloader._copyBuffers.Return(_buffer);
        }

        /// <summary>The stream the body goes to, opening the write (and the verifier) on first use.</summary>
        private Stream Open()
        {
            if (_writer is not null)
            {
                return (Stream?)_gzip ?? _writer;
            }

            _writer = store.OpenWrite(file.FileName);
            _verifier = new NdjsonVerifier(file.FileName, expectedType, options.MalformedLines);
            if (!file.FileName.EndsWith(".gz", StringComparison.Ordinal))
            {
                return _writer;
            }

            _storedHash = SHA256.Create();
            _hashing = new CryptoStream(_writer, _storedHash, CryptoStreamMode.Write, leaveOpen: true);
            _gzip = new GZipStream(_hashing, CompressionLevel.Fastest, leaveOpen: true);
            return _gzip;
        }

        /// <summary>Records the multipart upload once the first part is sent, saving the state at once so a kill cannot lose it.</summary>
        private void RecordUpload()
        {
            if (_writer?.PendingUploadId is { } id && file.UploadId != id)
            {
                file.UploadId = id;
                saver?.SaveNow();
            }
        }

        /// <summary>Abandons the write (an S3 upload is aborted), so the next transfer starts a new one from byte 0.</summary>
        private async Task RestartAsync()
        {
            if (_gzip is not null)
            {
                // Not flushed into the write: it is abandoned whole.
                _gzip.Dispose();
                _hashing!.Dispose();
                _storedHash!.Dispose();
                (_gzip, _hashing, _storedHash) = (null, null, null);
            }

            if (_writer is not null)
            {
                await _writer.DisposeAsync().ConfigureAwait(false);
                _writer = null;
                if (file.UploadId is not null && file.Status != ExportFileStatus.Complete)
                {
                    file.UploadId = null;
                }
            }

            _verifier?.Dispose();
            _verifier = null;
        }
    }
}
