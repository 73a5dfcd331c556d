using FhirBulk.Views.FhirPath;

namespace FhirBulk.Views.Engine;

/// <summary>
/// A compiled <c>select</c>: its iteration, its own columns (at fixed row offsets), its nested
/// selects and its unionAll branches. Built once per view; evaluation only walks it.
/// </summary>
internal sealed class SelectPlan<TNode>
    where TNode : class
{
    public required IterationKind Iteration { get; init; }

    /// <summary>The forEach/forEachOrNull path, or the repeat paths.</summary>
    public required IReadOnlyList<IPathExpression<TNode>> IterationPaths { get; init; }

    public required IReadOnlyList<ColumnPlan<TNode>> Columns { get; init; }

    public required IReadOnlyList<SelectPlan<TNode>> Children { get; init; }

    public required IReadOnlyList<SelectPlan<TNode>> UnionAll { get; init; }

    /// <summary>The first row slot this select (columns, children and union) writes.</summary>
    public required int Start { get; init; }

    /// <summary>How many row slots this select writes.</summary>
    public required int Width { get; init; }

    /// <summary>Whether the select is only columns over its parent's focus: no iteration, nested select or union.</summary>
    public bool IsFlat => Iteration == IterationKind.None && Children.Count == 0 && UnionAll.Count == 0;
}

/// <summary>A compiled column: where its value goes and how it is computed.</summary>
internal sealed record ColumnPlan<TNode>(int Slot, string Name, string ElementPath, IPathExpression<TNode> Path, bool Collection)
    where TNode : class;

/// <summary>How a select iterates over its focus.</summary>
internal enum IterationKind
{
    /// <summary>No iteration: the select runs once on its parent's focus.</summary>
    None,

    /// <summary><c>forEach</c>: once per item; no rows when there are none.</summary>
    ForEach,

    /// <summary><c>forEachOrNull</c>: once per item; one all-null row when there are none.</summary>
    ForEachOrNull,

    /// <summary><c>repeat</c>: once per item found by applying the paths recursively.</summary>
    Repeat,
}
