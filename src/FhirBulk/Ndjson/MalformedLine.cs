namespace FhirBulk.Ndjson;

/// <summary>A line that could not be read as a FHIR resource.</summary>
/// <param name="SourceName">The file (or <c>stdin</c>) holding the line.</param>
/// <param name="LineNumber">The 1-based line number within <paramref name="SourceName"/>.</param>
/// <param name="Message">Why the line was rejected.</param>
public sealed record MalformedLine(string SourceName, long LineNumber, string Message)
{
    /// <inheritdoc/>
    public override string ToString() => $"{SourceName}:{LineNumber}: {Message}";
}
