namespace FhirBulk;

/// <summary>
/// What FhirBulk does with data it cannot take: a line of an NDJSON file that is not a FHIR resource (in a
/// download, a source or <c>inspect</c>), a truncated gzip stream, or a view that fails on one resource.
/// </summary>
public enum ErrorPolicy
{
    /// <summary>Count and report the problem (file and line), leave the bad item out and carry on: the outcome is partial (the default).</summary>
    Skip,

    /// <summary>Stop at the first problem with a <see cref="FhirBulkException"/> subtype naming the file and line.</summary>
    Fail,
}
