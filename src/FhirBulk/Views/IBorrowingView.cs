namespace FhirBulk.Views;

/// <summary>
/// A view that reads a resource's bytes only while it evaluates it and keeps nothing that points into them once its rows
/// are made: the rows hold values of their own (strings, numbers, booleans), and what it caches per resource is keyed by
/// the <see cref="Ndjson.ResourceLine"/> instance. A runner may then hand it lines lent from the read buffers
/// (<see cref="Ndjson.LineBlock"/>) instead of a copy of each, and reuse a buffer once the rows of its lines are written.
/// </summary>
internal interface IBorrowingView
{
    /// <summary>Whether the view, and every view it wraps, keeps nothing of a line's bytes past its evaluation.</summary>
    bool KeepsNoBytes { get; }
}
