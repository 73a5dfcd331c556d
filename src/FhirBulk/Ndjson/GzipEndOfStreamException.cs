namespace FhirBulk.Ndjson;

/// <summary>
/// Thrown by <see cref="CheckedGzipStream"/> when the gzip data ends before the trailer of its last member: the stream
/// was cut. An <see cref="IOException"/> (as a connection closed mid-body is), so a download tries the file again; the
/// NDJSON readers turn it into a <see cref="TruncatedGzipException"/> or a report entry at the line where the data stops.
/// </summary>
internal sealed class GzipEndOfStreamException(string sourceName, long compressedBytesRead)
    : EndOfStreamException($"{sourceName}: {TruncatedGzipException.Describe(compressedBytesRead)}")
{
    /// <summary>The file or URL the gzip data came from.</summary>
    public string SourceName { get; } = sourceName;

    /// <summary>How many bytes of gzip data arrived before the end.</summary>
    public long CompressedBytesRead { get; } = compressedBytesRead;
}
