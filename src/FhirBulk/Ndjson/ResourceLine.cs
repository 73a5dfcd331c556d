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
    long LineNumber)
{
    /// <summary>
    /// Where the top-level members lie, as the source's scan found them on the way (<see cref="TopLevelMembers"/>), or
    /// <see langword="null"/>; the view engine then indexes the resource without reading its bytes again.
    /// </summary>
    internal TopLevelMembers? Members { get; init; }

    /// <summary>
    /// The read buffer <see cref="Json"/> lies in when the source lent the line instead of copying it (<see cref="LineBlock"/>,
    /// for the table runner only): the consumer releases it once done with the bytes, which a later read then overwrites.
    /// <see langword="null"/> for a line that owns its bytes, as every line of a public read does.
    /// </summary>
    internal LineBlock? Block { get; init; }
}

/// <summary>
/// The top-level members of a resource line as the source's scan found them: four ints per member, its name's start and
/// end (inside the quotes) and its value's start and end, held as bytes, either in the array of the line's own copy just
/// past its bytes (at the next multiple of four) or in the table of the read buffer the line lies in (<see cref="LineBlock"/>).
/// They describe the bytes they were found in only: <see cref="For"/> gives them for a line whose
/// <see cref="ResourceLine.Json"/> is still exactly those bytes, and nothing for one made from it with other bytes.
/// </summary>
internal readonly struct TopLevelMembers(ReadOnlyMemory<byte> json, ReadOnlyMemory<byte> table)
{
    /// <summary>Where the table starts in an array holding <paramref name="jsonLength"/> bytes of JSON first.</summary>
    public static int TableStart(int jsonLength) => (jsonLength + 3) & ~3;

    /// <summary>The table's ints (four per member) for <paramref name="line"/>, or empty when it has none that fit its bytes.</summary>
    public static ReadOnlySpan<int> For(ResourceLine line) => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, int>(BytesFor(line).Span);

    /// <summary>The table of <see cref="For"/> as the bytes that hold it, for a reader that keeps it past the call.</summary>
    public static ReadOnlyMemory<byte> BytesFor(ResourceLine line) =>
        line.Members is { } members && SameBytes(line.Json, members.Json) ? members.Table : default;

    private static bool SameBytes(ReadOnlyMemory<byte> a, ReadOnlyMemory<byte> b) =>
        a.Length == b.Length
        && System.Runtime.CompilerServices.Unsafe.AreSame(
            ref System.Runtime.InteropServices.MemoryMarshal.GetReference(a.Span),
            ref System.Runtime.InteropServices.MemoryMarshal.GetReference(b.Span));

    private ReadOnlyMemory<byte> Json => json;

    private ReadOnlyMemory<byte> Table => table;
}
