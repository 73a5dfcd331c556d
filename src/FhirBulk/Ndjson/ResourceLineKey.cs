namespace FhirBulk.Ndjson;

/// <summary>
/// What every consumer of a resource line needs from it: the top-level <c>resourceType</c> and <c>id</c>, as UTF-8
/// without escapes (FHIR R4 JSON §2.6.2). Views into the line, or into copies when the line spelled them with escapes.
/// </summary>
internal readonly ref struct ResourceLineKey(ReadOnlySpan<byte> resourceType, ReadOnlySpan<byte> id, bool hasId, bool mayHoldEscapes = true)
{
    /// <summary>
    /// Whether the line may hold a JSON escape (a backslash, which valid JSON has only in strings): <see langword="false"/>
    /// only when the line was scanned whole and holds none, so that its text values are their bytes as they stand.
    /// </summary>
    public bool MayHoldEscapes { get; } = mayHoldEscapes;

    /// <summary>The <c>resourceType</c>: never empty.</summary>
    public ReadOnlySpan<byte> ResourceType { get; } = resourceType;

    /// <summary>The <c>id</c>, when <see cref="HasId"/>.</summary>
    public ReadOnlySpan<byte> Id { get; } = id;

    /// <summary>Whether the resource has an <c>id</c> (a new resource need not).</summary>
    public bool HasId { get; } = hasId;
}
