using System.Globalization;
using System.IO.Compression;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace FhirBulk.Server.Export;

/// <summary>
/// Sends an NDJSON file: zero-copy <c>SendFileAsync</c> on the plain path, a single HTTP Range (206/416),
/// gzip when the client accepts it, and the byte-order-mark, cut-connection, cut-gzip and trickle faults.
/// </summary>
internal static class FileSender
{
    private const int ChunkSize = 1 << 16;
    private static readonly TimeSpan CutGrace = TimeSpan.FromMilliseconds(200);
    private static readonly byte[] Utf8Bom = [0xEF, 0xBB, 0xBF];

    public static async Task SendAsync(HttpContext context, string path, bool bom, int? cutAfterBytes, bool cutGzip, int trickleBytesPerSecond)
    {
        var response = context.Response;
        var info = new FileInfo(path);

        // An injected byte-order mark is part of the representation: lengths, the ETag and ranges all count it.
        ReadOnlyMemory<byte> head = bom ? Utf8Bom : ReadOnlyMemory<byte>.Empty;
        var length = head.Length + info.Length;
        response.ContentType = ServerDefaults.FhirNdjson;
        response.Headers.AcceptRanges = "bytes";
        response.Headers.Vary = HeaderNames.AcceptEncoding;

        // Export files never change once written, so a strong validator lets clients resume with If-Range.
        var etag = $"\"{length:x}-{info.LastWriteTimeUtc.Ticks:x}\"";
        response.Headers.ETag = etag;
        response.Headers.LastModified = info.LastWriteTimeUtc.ToString("r", CultureInfo.InvariantCulture);

        long offset = 0, count = length;
        var range = context.Request.Headers.Range.ToString();
        var ifRange = context.Request.Headers.IfRange.ToString();
        var ranged = range.Length > 0 && (ifRange.Length == 0 || ifRange == etag);
        if (ranged)
        {
            if (!TryParseRange(range, length, out offset, out count))
            {
                response.StatusCode = StatusCodes.Status416RangeNotSatisfiable;
                response.Headers.ContentRange = $"bytes */{length}";
                return;
            }

            response.StatusCode = StatusCodes.Status206PartialContent;
            response.Headers.ContentRange = $"bytes {offset}-{offset + count - 1}/{length}";
        }

        if (HttpMethods.IsHead(context.Request.Method))
        {
            // HEAD tells the size (uncompressed, as a full GET would send it) without sending it.
            response.ContentLength = count;
            return;
        }

        // A byte range addresses the stored representation, so ranged responses are never compressed.
        var gzip = !ranged && AcceptsGzip(context.Request);
        if (!gzip && cutAfterBytes is null && trickleBytesPerSecond <= 0 && head.IsEmpty)
        {
            response.ContentLength = count;
            await response.SendFileAsync(path, offset, count, context.RequestAborted);
            return;
        }

        DroppableStream? flushPoint = null;
        if (gzip)
        {
            response.Headers.ContentEncoding = "gzip";
            if (cutGzip)
            {
                // Whole lines, so the shortened content is clean NDJSON that only a count check exposes.
                flushPoint = new DroppableStream(response.Body);
                count = head.Length + await MiddleLineStartAsync(path, info.Length, context.RequestAborted);
            }
        }
        else
        {
            response.ContentLength = count;
        }

        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan | FileOptions.Asynchronous);
        file.Position = Math.Max(0, offset - head.Length);
        var body = gzip ? new GZipStream(flushPoint ?? response.Body, CompressionLevel.Fastest, leaveOpen: true) : response.Body;
        try
        {
            await CopyAsync(context, head[(int)Math.Min(offset, head.Length)..], file, body, count, cutAfterBytes, trickleBytesPerSecond);
            if (flushPoint is not null && !context.RequestAborted.IsCancellationRequested)
            {
                // A sync flush ends the body on a byte boundary that decodes cleanly; dropping what disposal writes
                // next (the final block and the CRC-32/ISIZE trailer) leaves a gzip cut exactly there.
                await body.FlushAsync(context.RequestAborted);
                flushPoint.Drop();
            }
        }
        finally
        {
            if (gzip && !context.RequestAborted.IsCancellationRequested)
            {
                await body.DisposeAsync();
            }
        }
    }

    /// <summary>Sends <paramref name="count"/> bytes of the representation: what is left of <paramref name="head"/>, then the file.</summary>
    private static async Task CopyAsync(HttpContext context, ReadOnlyMemory<byte> head, FileStream file, Stream body, long count, int? cutAfterBytes, int trickle)
    {
        var buffer = new byte[trickle > 0 ? Math.Clamp(trickle / 10, 1, ChunkSize) : ChunkSize];
        long sent = 0;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        while (sent < count)
        {
            var want = (int)Math.Min(buffer.Length, count - sent);
            if (cutAfterBytes is { } cut)
            {
                want = (int)Math.Min(want, cut - sent);
                if (want <= 0)
                {
                    // Let the transport send what was flushed; Abort discards unsent output.
                    await body.FlushAsync(context.RequestAborted);
                    await Task.Delay(CutGrace, context.RequestAborted);
                    context.Abort();
                    return;
                }
            }

            int read;
            if (head.IsEmpty)
            {
                read = await file.ReadAsync(buffer.AsMemory(0, want), context.RequestAborted);
            }
            else
            {
                read = Math.Min(want, head.Length);
                head.Span[..read].CopyTo(buffer);
                head = head[read..];
            }

            if (read == 0)
            {
                break;
            }

            await body.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted);
            sent += read;
            if (trickle > 0 && sent < count)
            {
                // Pace against a schedule (real time: the trickle is about wall-clock bandwidth), so delays do not drift.
                await body.FlushAsync(context.RequestAborted);
                var due = TimeSpan.FromSeconds(sent / (double)trickle) - System.Diagnostics.Stopwatch.GetElapsedTime(started);
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, context.RequestAborted);
                }
            }
        }
    }

    /// <summary>Where the line holding the file's middle byte starts: a cut there keeps whole lines, about half of them.</summary>
    private static async Task<long> MiddleLineStartAsync(string path, long length, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan | FileOptions.Asynchronous);
        var buffer = new byte[ChunkSize];
        long start = 0, position = 0, middle = length / 2;
        int read;
        while (position < middle && (read = await file.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, middle - position)), cancellationToken)) > 0)
        {
            var newline = buffer.AsSpan(0, read).LastIndexOf((byte)'\n');
            if (newline >= 0)
            {
                start = position + newline + 1;
            }

            position += read;
        }

        return start;
    }

    // q=0 means "not acceptable" (RFC 9110 §12.4.2), however it is written: 0, 0.0, 0.000.
    private static bool AcceptsGzip(HttpRequest request) =>
        StringWithQualityHeaderValue.TryParseList(request.Headers.AcceptEncoding, out var codings)
        && codings.Any(c => c.Value.Equals("gzip", StringComparison.OrdinalIgnoreCase) && c.Quality is not 0.0);

    /// <summary>Parses one <c>bytes=</c> range (RFC 9110 §14.1.2); multiple ranges are not satisfiable here.</summary>
    public static bool TryParseRange(string header, long length, out long offset, out long count)
    {
        offset = count = 0;
        if (!header.StartsWith("bytes=", StringComparison.OrdinalIgnoreCase) || header.Contains(',', StringComparison.Ordinal))
        {
            return false;
        }

        var spec = header[6..].Trim();
        var dash = spec.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            return false;
        }

        var startText = spec[..dash];
        var endText = spec[(dash + 1)..];
        if (startText.Length == 0)
        {
            // Suffix range: the last N bytes.
            if (!long.TryParse(endText, NumberStyles.None, CultureInfo.InvariantCulture, out var suffix) || suffix == 0 || length == 0)
            {
                return false;
            }

            count = Math.Min(suffix, length);
            offset = length - count;
            return true;
        }

        if (!long.TryParse(startText, NumberStyles.None, CultureInfo.InvariantCulture, out var start) || start >= length)
        {
            return false;
        }

        var end = length - 1;
        if (endText.Length > 0 && (!long.TryParse(endText, NumberStyles.None, CultureInfo.InvariantCulture, out end) || end < start))
        {
            return false;
        }

        offset = start;
        count = Math.Min(end, length - 1) - start + 1;
        return true;
    }

    /// <summary>
    /// Passes writes on until <see cref="Drop"/>, then swallows them, so the GZipStream above can still be disposed
    /// (freeing its native zlib state) without its closing bytes reaching the client.
    /// </summary>
    private sealed class DroppableStream(Stream inner) : Stream
    {
        private bool _dropping;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public void Drop() => _dropping = true;

        public override void Flush()
        {
            if (!_dropping)
            {
                inner.Flush();
            }
        }

        public override Task FlushAsync(CancellationToken cancellationToken) =>
            _dropping ? Task.CompletedTask : inner.FlushAsync(cancellationToken);

        public override void Write(byte[] buffer, int offset, int count)
        {
            if (!_dropping)
            {
                inner.Write(buffer, offset, count);
            }
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            _dropping ? ValueTask.CompletedTask : inner.WriteAsync(buffer, cancellationToken);

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
