namespace FhirBulk.Ndjson;

/// <summary>
/// Thrown by <see cref="CheckedGzipStream"/> when the gzip data ends before the trailer of its last member (the stream
/// was cut), or stops being valid gzip (<paramref name="corruption"/>: what <see cref="System.IO.Compression.GZipStream"/> said). An <see cref="IOException"/> (as a connection closed mid-body is), so a download tries the file again; the
/// NDJSON readers turn it into a <see cref="TruncatedGzipException"/> or a report entry at the line where the data stops.
/// </summary>
internal sealed class GzipEndOfStreamException(string sourceName, long compressedBytesRead, string? corruption = null)
    : EndOfStreamException($"{sourceName}: {TruncatedGzipException.Describe(compressedBytesRead, corruption)}")
{
    /// <summary>Why the data is not valid gzip, or <see langword="null"/> when it was only cut short.</summary>
    public string? Corruption { get; } = corruption;

    /// <summary>The file or URL the gzip data came from.</summary>
    public string SourceName { get; } = sourceName;

    /// <summary>How many bytes of gzip data arrived before the end.</summary>
    public long CompressedBytesRead { get; } = compressedBytesRead;
}
