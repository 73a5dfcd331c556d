namespace FhirBulk.Tables;

/// <summary>How far a run has got.</summary>
/// <param name="Resources">Resources read so far.</param>
/// <param name="BytesRead">Input bytes done so far: read from disk (compressed, for gzip) or skipped whole by type.</param>
/// <param name="TotalBytes">The input's size, or <see langword="null"/> when unknown (stdin).</param>
/// <param name="Rows">Rows written so far, all tables together.</param>
/// <param name="MalformedLines">Malformed lines skipped so far.</param>
/// <param name="ViewErrors">View failures skipped so far.</param>
/// <param name="Stage">Which pass over the input this is.</param>
public readonly record struct TableProgress(long Resources, long BytesRead, long? TotalBytes, long Rows, long MalformedLines, long ViewErrors, TableStage Stage = TableStage.WritingRows)
{
    /// <summary>The fraction of the input read, 0 to 1, or <see langword="null"/> when the size is unknown.</summary>
    public double? Fraction => TotalBytes is > 0 and var total ? Math.Min(1.0, (double)BytesRead / total) : null;
}

/// <summary>The pass over the input a <see cref="TableProgress"/> describes.</summary>
public enum TableStage
{
    /// <summary>Evaluating views and writing their rows (the only pass, unless some type is flattened).</summary>
    WritingRows,

    /// <summary>Scanning resources for the columns of flatten-everything tables, before rows are written.</summary>
    ScanningColumns,
}
