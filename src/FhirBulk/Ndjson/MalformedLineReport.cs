namespace FhirBulk.Ndjson;

/// <summary>
/// The malformed lines a read skipped (a gzip file cut short counts as one, at the line where its data
/// stops): how many, and the first few in full so that a user can find them without the report growing
/// with the input.
/// </summary>
public sealed class MalformedLineReport
{
    private readonly List<MalformedLine> _examples = [];
    private long _count;

    /// <summary>Creates an empty report keeping at most <paramref name="maxExamples"/> lines.</summary>
    /// <param name="maxExamples">How many malformed lines to keep in <see cref="Examples"/>.</param>
    public MalformedLineReport(int maxExamples = NdjsonDefaults.MaxReportedMalformedLines)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxExamples);
        MaxExamples = maxExamples;
    }

    /// <summary>How many lines <see cref="Examples"/> keeps at most.</summary>
    public int MaxExamples { get; }

    /// <summary>How many malformed lines were skipped.</summary>
    public long Count => Interlocked.Read(ref _count);

    /// <summary>The first <see cref="MaxExamples"/> malformed lines, in reading order.</summary>
    public IReadOnlyList<MalformedLine> Examples
    {
        get
        {
            lock (_examples)
            {
                return [.. _examples];
            }
        }
    }

    /// <summary>Applies <paramref name="policy"/> to a line that is not a resource: records it, or throws.</summary>
    /// <exception cref="MalformedNdjsonException">The policy is <see cref="ErrorPolicy.Fail"/>.</exception>
    internal void Reject(MalformedLine line, ErrorPolicy policy)
    {
        if (policy == ErrorPolicy.Fail)
        {
            throw new MalformedNdjsonException(line);
        }

        Add(line);
    }

    /// <summary>Applies <paramref name="policy"/> to gzip data cut short at line <paramref name="lineNumber"/>: records it, or throws.</summary>
    /// <exception cref="TruncatedGzipException">The policy is <see cref="ErrorPolicy.Fail"/>.</exception>
    internal void RejectTruncatedGzip(string sourceName, long lineNumber, long compressedBytesRead, string? corruption, ErrorPolicy policy)
    {
        if (policy == ErrorPolicy.Fail)
        {
            throw new TruncatedGzipException(sourceName, lineNumber, compressedBytesRead, corruption);
        }

        Add(TruncatedGzipException.Line(sourceName, lineNumber, compressedBytesRead, corruption));
    }

    internal void Add(MalformedLine line)
    {
        Interlocked.Increment(ref _count);
        lock (_examples)
        {
            if (_examples.Count < MaxExamples)
            {
                _examples.Add(line);
            }
        }
    }
}
