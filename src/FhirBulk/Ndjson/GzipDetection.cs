namespace FhirBulk.Ndjson;

/// <summary>
/// Opens a stream as gzip when it starts with the gzip magic bytes (RFC 1952 §2.3.1), whatever its name says: export
/// servers send <c>.ndjson</c> files gzip-encoded and users rename files. Gzip data is read through
/// <see cref="CheckedGzipStream"/>, so a file cut short is reported rather than read as a shorter one.
/// </summary>
internal static class GzipDetection
{
    private const byte Magic1 = 0x1f;
    private const byte Magic2 = 0x8b;

    /// <exception cref="GzipEndOfStreamException">Thrown by the returned stream's reads when gzip data stops before its trailer.</exception>
    public static async Task<Stream> OpenAsync(Stream raw, string sourceName, CancellationToken cancellationToken)
    {
        var head = new byte[2];
        int read = await raw.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
        // Works for pipes and stdin too: the peeked bytes are replayed instead of seeking back.
        var replayed = new ReplayStream(head.AsMemory(0, read), raw);
        return read == 2 && IsMagic(head)
            ? new CheckedGzipStream(replayed, sourceName)
            : replayed;
    }

    /// <summary>Whether <paramref name="head"/>, a stream's first two bytes, is the gzip magic.</summary>
    public static bool IsMagic(ReadOnlySpan<byte> head) => head.Length >= 2 && head[0] == Magic1 && head[1] == Magic2;
}
