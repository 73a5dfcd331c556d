namespace FhirBulk.Ndjson;

/// <summary>How an <see cref="NdjsonSource"/> reads.</summary>
public sealed class NdjsonSourceOptions
{
    /// <summary>What to do with a line that is not a FHIR resource, or with a gzip file cut short.</summary>
    /// <value>The default value is <see cref="ErrorPolicy.Skip"/>.</value>
    public ErrorPolicy MalformedLines { get; set; } = ErrorPolicy.Skip;

    /// <summary>How many malformed lines <see cref="NdjsonSource.MalformedLines"/> keeps in full.</summary>
    /// <value>The default value is <see cref="NdjsonDefaults.MaxReportedMalformedLines"/>.</value>
    public int MaxReportedMalformedLines { get; set; } = NdjsonDefaults.MaxReportedMalformedLines;

    /// <summary>The read buffer size in bytes.</summary>
    /// <value>The default value is <see cref="NdjsonDefaults.BufferSize"/>.</value>
    public int BufferSize { get; set; } = NdjsonDefaults.BufferSize;

    /// <summary>
    /// How many threads judge the lines of one read buffer at once (whether each is a resource, and its type and id).
    /// Resources and malformed lines come out in reading order whatever the value; above 1 the check of a large
    /// type such as Observation no longer holds back the threads that evaluate views.
    /// </summary>
    /// <value>The default value is <see cref="Environment.ProcessorCount"/>; 1 judges every line on the reading thread.</value>
    public int MaxDegreeOfParallelism { get; set; } = Environment.ProcessorCount;

    internal NdjsonSourceOptions Validated()
    {
        if (!Enum.IsDefined(MalformedLines))
        {
            throw new ArgumentOutOfRangeException(nameof(MalformedLines), MalformedLines, "Unknown policy.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(MaxReportedMalformedLines, nameof(MaxReportedMalformedLines));
        ArgumentOutOfRangeException.ThrowIfLessThan(BufferSize, 4096, nameof(BufferSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDegreeOfParallelism, 1, nameof(MaxDegreeOfParallelism));
        return new NdjsonSourceOptions
        {
            MalformedLines = MalformedLines,
            MaxReportedMalformedLines = MaxReportedMalformedLines,
            BufferSize = BufferSize,
            MaxDegreeOfParallelism = MaxDegreeOfParallelism,
        };
    }
}
