namespace FhirBulk.Ndjson;

/// <summary>Default values of <see cref="NdjsonSourceOptions"/>, in one place.</summary>
public static class NdjsonDefaults
{
    /// <summary>How many malformed lines a report keeps in full.</summary>
    public const int MaxReportedMalformedLines = 10;

    /// <summary>
    /// The read buffer size in bytes: large enough that a typical resource (a few KB) never
    /// straddles many segments, small enough to keep memory flat.
    /// </summary>
    public const int BufferSize = 256 * 1024;

    /// <summary>
    /// The largest byte range an <see cref="NdjsonShardPlan"/> cuts a file into: 64 MiB (half Spark's default
    /// <c>maxPartitionBytes</c>) is seconds of work per range, and leaves a TB export thousands of units to share out fairly.
    /// </summary>
    public const long ShardUnitBytes = 64L * 1024 * 1024;
}
