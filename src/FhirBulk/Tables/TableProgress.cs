namespace FhirBulk.Tables;

/// <summary>How far a run has got.</summary>
/// <param name="Resources">Resources read so far.</param>
/// <param name="BytesRead">Input bytes read from disk so far (compressed, for gzip).</param>
/// <param name="TotalBytes">The input's size, or <see langword="null"/> when unknown (stdin).</param>
/// <param name="Rows">Rows written so far, all tables together.</param>
/// <param name="MalformedLines">Malformed lines skipped so far.</param>
/// <param name="ViewErrors">View failures skipped so far.</param>
public readonly record struct TableProgress(long Resources, long BytesRead, long? TotalBytes, long Rows, long MalformedLines, long ViewErrors)
{
    /// <summary>The fraction of the input read, 0 to 1, or <see langword="null"/> when the size is unknown.</summary>
    public double? Fraction => TotalBytes is > 0 and var total ? Math.Min(1.0, (double)BytesRead / total) : null;
}
