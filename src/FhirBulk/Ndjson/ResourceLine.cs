namespace FhirBulk.Ndjson;

/// <summary>
/// One FHIR resource read from an NDJSON source: its raw UTF-8 JSON and where it came from.
/// </summary>
/// <remarks>
/// <para>
/// A line is a resource when it is one JSON object in valid UTF-8 (RFC 8259 §8.1), with nothing after it but
/// whitespace, whose top-level <c>resourceType</c> is a non-empty string and whose top-level <c>id</c>, when present,
/// is a string (FHIR R4 JSON §2.6.2), each named once. Lines end with LF or CRLF and blank lines are skipped (NDJSON
/// spec 1.0 §3.2); a UTF-8 byte-order mark is skipped at the start of a file only. The download check of an export
/// applies the same rules, so what an export keeps, a source reads.
/// </para>
/// <para>
/// Sources hand out raw bytes rather than parsed objects so that each consumer (the Firely
/// FHIRPath evaluator, a compiled raw-JSON fast path, a plain copy) parses only what it needs.
/// The bytes belong to this instance and stay valid after the source moves on.
/// </para>
/// </remarks>
/// <param name="ResourceType">The resource's <c>resourceType</c>.</param>
/// <param name="Id">The resource's <c>id</c>, or <see langword="null"/> when it has none.</param>
/// <param name="Json">The resource as UTF-8 JSON, without the line terminator.</param>
/// <param name="SourceName">The file (or <c>stdin</c>) the line was read from, for error messages.</param>
/// <param name="LineNumber">The 1-based line number within <paramref name="SourceName"/>.</param>
public sealed record ResourceLine(
    string ResourceType,
    string? Id,
    ReadOnlyMemory<byte> Json,
    string SourceName,
    long LineNumber);
