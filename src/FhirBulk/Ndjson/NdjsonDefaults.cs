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
}
