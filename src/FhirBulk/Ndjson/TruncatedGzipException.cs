using System.Globalization;

namespace FhirBulk.Ndjson;

/// <summary>
/// Thrown under <see cref="ErrorPolicy.Fail"/> when a gzip-compressed NDJSON file ends without the trailer (CRC-32 and
/// size) that closes a gzip member (RFC 1952 §2.3.1): the file was cut short, by a dropped connection or a full disk,
/// and the lines from <see cref="MalformedNdjsonException.LineNumber"/> on are lost. Under <see cref="ErrorPolicy.Skip"/>
/// the same is reported as a malformed line at that number, after the lines read before the cut.
/// </summary>
public sealed class TruncatedGzipException : MalformedNdjsonException
{
    internal TruncatedGzipException(string sourceName, long lineNumber, long compressedBytesRead, string? corruption)
        : base(Line(sourceName, lineNumber, compressedBytesRead, corruption))
    {
        CompressedBytesRead = compressedBytesRead;
    }

    /// <summary>How many bytes of gzip data the file held: where it was cut.</summary>
    public long CompressedBytesRead { get; }

    internal static MalformedLine Line(string sourceName, long lineNumber, long compressedBytesRead, string? corruption) =>
        new(sourceName, lineNumber, Describe(compressedBytesRead, corruption));

    internal static string Describe(long compressedBytesRead, string? corruption = null) => corruption is null
        ? string.Create(CultureInfo.InvariantCulture, $"truncated gzip: the data ends after {compressedBytesRead} compressed bytes without the CRC-32 and size trailer of its last member")
        : string.Create(CultureInfo.InvariantCulture, $"corrupt gzip: the data is not valid gzip within its first {compressedBytesRead} compressed bytes ({corruption})");
}
