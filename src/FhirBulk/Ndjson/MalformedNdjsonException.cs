namespace FhirBulk.Ndjson;

/// <summary>
/// Thrown under <see cref="ErrorPolicy.Fail"/> when a line is not a FHIR resource.
/// </summary>
public sealed class MalformedNdjsonException : FhirBulkException
{
    /// <summary>Creates the exception for <paramref name="line"/>.</summary>
    /// <param name="line">The offending line.</param>
    public MalformedNdjsonException(MalformedLine line)
        : base($"Malformed NDJSON at {line.SourceName} line {line.LineNumber}: {line.Message}")
    {
        ArgumentNullException.ThrowIfNull(line);
        SourceName = line.SourceName;
        LineNumber = line.LineNumber;
    }

    /// <summary>The file (or <c>stdin</c>) holding the line.</summary>
    public string SourceName { get; }

    /// <summary>The 1-based line number within <see cref="SourceName"/>.</summary>
    public long LineNumber { get; }
}
