using System.Security.Cryptography;
using System.Text;

namespace FhirBulk.Ndjson;

/// <summary>
/// The download check: as a file's (decompressed) bytes stream past, frames and classifies its lines by the NDJSON
/// line contract (<see cref="NdjsonLineSplitter"/>, <see cref="ResourceLineClassifier"/>), the very rules the sources
/// read by, counts the resources, and hashes every byte with SHA-256. Only a line split across chunks is buffered,
/// never the file.
/// </summary>
/// <remarks>
/// On top of the shared contract, a resource must be of the file's expected type when it is known: the Bulk Data IG
/// has each output file hold resources of the one type its manifest entry names, as a source holds a file named for a
/// type to that type (and reads a file whose name gives no type as mixed).
/// </remarks>
internal sealed class NdjsonVerifier(string fileName, string? expectedType, ErrorPolicy policy) : IDisposable
{
    public const int MaxReportedInvalidLines = 20;

    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly NdjsonLineSplitter _lines = new();
    private readonly byte[]? _expectedType = expectedType is null ? null : Encoding.UTF8.GetBytes(expectedType);

    public long Resources { get; private set; }

    public long Bytes { get; private set; }

    /// <summary>The lines that are not resources of the expected type: how many, and the first few.</summary>
    public MalformedLineReport MalformedLines { get; } = new(MaxReportedInvalidLines);

    public void Append(ReadOnlySpan<byte> data)
    {
        _hash.AppendData(data);
        Bytes += data.Length;
        while (_lines.TryReadLine(ref data, out var line))
        {
            Check(line);
        }
    }

    /// <summary>
    /// Records that the gzip data the bytes came from stopped before its trailer: the unfinished last line is dropped,
    /// and the cut is reported at its line (or thrown, under <see cref="ErrorPolicy.Fail"/>).
    /// </summary>
    public void Truncated(long compressedBytesRead, string? corruption = null)
    {
        _lines.DiscardPartialLine();
        MalformedLines.RejectTruncatedGzip(fileName, _lines.LineNumber + 1, compressedBytesRead, corruption, policy);
    }

    /// <summary>Checks a last line without a terminator and returns the SHA-256 of everything appended (lowercase hex).</summary>
    public string Complete()
    {
        if (_lines.TryReadFinalLine(out var line))
        {
            Check(line);
        }

        return Convert.ToHexStringLower(_hash.GetHashAndReset());
    }

    public void Dispose() => _hash.Dispose();

    private void Check(ReadOnlySpan<byte> line)
    {
        var problem = ResourceLineClassifier.Classify(line, _lines.TextOffset, out var key);
        if (problem is null && _expectedType is not null && !key.ResourceType.SequenceEqual(_expectedType))
        {
            problem = ResourceLineClassifier.WrongType(Encoding.UTF8.GetString(key.ResourceType), expectedType!);
        }

        if (problem is null)
        {
            Resources++;
            return;
        }

        MalformedLines.Reject(new MalformedLine(fileName, _lines.LineNumber, problem), policy);
    }
}
