namespace FhirBulk.Ndjson;

/// <summary>
/// One piece of work of an <see cref="NdjsonShardPlan"/>: a whole file, or the byte range
/// [<see cref="Start"/>, <see cref="Start"/> + <see cref="Length"/>) of a large uncompressed one.
/// </summary>
/// <remarks>
/// A range holds the lines that start inside it, by the rule Hadoop's line reader uses: it begins after the first
/// newline at or after <see cref="Start"/> (at the file's first byte when <see cref="Start"/> is 0) and ends with the
/// first newline at or after its nominal end. The ranges of a file therefore hold each of its lines exactly once, the
/// line that crosses a boundary going to the range it starts in.
/// </remarks>
/// <param name="File">The file.</param>
/// <param name="Start">The nominal first byte.</param>
/// <param name="Length">The nominal length in bytes; the file's size for a whole file.</param>
/// <param name="Shard">The shard (0-based) the plan gives this unit to.</param>
public sealed record NdjsonShardUnit(NdjsonFile File, long Start, long Length, int Shard)
{
    /// <summary>Whether the unit is the whole file (read as any file is, gzip included), not a range of it.</summary>
    public bool IsWholeFile => Start == 0 && Length == File.Length;
}
