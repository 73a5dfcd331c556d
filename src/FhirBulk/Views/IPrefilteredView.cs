namespace FhirBulk.Views;

/// <summary>
/// A view that can tell from a resource's raw JSON, before reading it, that it selects nothing from it: the JSON
/// engine's <c>LinePrefilter</c> of its <c>where</c> clauses. A resource it turns down would give no row and no error,
/// so a runner may pass it over without evaluating it, or without copying its line at all.
/// </summary>
internal interface IPrefilteredView
{
    /// <summary>Whether the view has such a test; without one, <see cref="MayPass"/> is always true.</summary>
    bool HasPrefilter { get; }

    /// <summary>
    /// <see langword="false"/> only when the resource whose line is <paramref name="json"/> (of the view's type) gives
    /// no row and no error. Thread-safe. <paramref name="mayHoldEscapes"/> <see langword="false"/> says the line holds
    /// no JSON escape, which spares the search for one. <paramref name="topLevelMembers"/>, when not empty, is where the
    /// line's top-level members lie (<see cref="Ndjson.ResourceLineScanner"/>'s table, four ints each), which narrows the
    /// search to the members the test is about.
    /// </summary>
    bool MayPass(ReadOnlySpan<byte> json, bool mayHoldEscapes = true, ReadOnlySpan<int> topLevelMembers = default);
}
