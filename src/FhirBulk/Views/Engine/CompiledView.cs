using FhirBulk.Ndjson;
using FhirBulk.Views.FhirPath;
using FhirBulk.Views.FhirPath.Json;

namespace FhirBulk.Views.Engine;

/// <summary>
/// Runs a compiled view over one resource at a time: where clauses, then the select tree,
/// following the row-generation rules of SQL-on-FHIR v2 ("Processing algorithm"). A resource that fails the JSON
/// engine's <see cref="LinePrefilter"/>, when the where clauses give one, is not evaluated: it could not pass them.
/// </summary>
internal sealed class CompiledView<TNode>(
    ViewSchema schema,
    ViewEngineChoice choice,
    IPathEngine<TNode> engine,
    IReadOnlyList<IPathExpression<TNode>> where,
    IReadOnlyList<SelectPlan<TNode>> selects,
    LinePrefilter? prefilter = null) : ICompiledView, IPrefilteredView, IBorrowingView
    where TNode : class
{
    // Both engines make every row value a value of its own, and cache a parsed or indexed resource by its line instance.
    public bool KeepsNoBytes => true;

    public ViewSchema Schema => schema;

    public ViewEngineChoice Engine => choice;

    public IReadOnlyList<ViewWarning> Warnings { get; init; } = [];

    public bool HasPrefilter => prefilter is not null;

    public bool MayPass(ReadOnlySpan<byte> json, bool mayHoldEscapes = true, ReadOnlySpan<int> topLevelMembers = default) =>
        prefilter is null || prefilter.MayPass(json, mayHoldEscapes, topLevelMembers);

    public IEnumerable<object?[]> Evaluate(ResourceLine resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        if (!string.Equals(resource.ResourceType, schema.Resource, StringComparison.Ordinal))
        {
            return [];
        }

        if (!MayPass(resource.Json.Span, topLevelMembers: TopLevelMembers.For(resource)))
        {
            return [];
        }

        var state = new State(engine.Start(resource), resource);
        var root = state.Run.Resource;
        // Indexed loops here and below: a foreach over an IReadOnlyList allocates an enumerator, for every resource.
        for (var i = 0; i < where.Count; i++)
        {
            var path = where[i];
            if (!Passes(path, state.Evaluate(path, root, 0), state))
            {
                return [];
            }
        }

        // Null while the view has made just the one row: a select of plain columns then fills it in place, without a
        // row of its own to copy in (the common case, and one resource's worth of allocation).
        var first = new object?[schema.Columns.Count];
        List<object?[]>? rows = null;
        for (var i = 0; i < selects.Count; i++)
        {
            var select = selects[i];
            if (rows is null && select.IsFlat)
            {
                Columns(select, root, 0, state, first, 0);
                continue;
            }

            rows = Cross(rows ?? [first], Rows(select, root, 0, state), select.Start);
        }

        return rows ?? (IEnumerable<object?[]>)[first];
    }

    private bool Passes(IPathExpression<TNode> path, IReadOnlyList<TNode> result, State state)
    {
        if (result.Count == 0)
        {
            return false;
        }

        if (result.Count == 1 && engine.ToRowValue(result[0]) is bool value)
        {
            return value;
        }

        throw state.Error(path.ElementPath, $"a where path must give one boolean, got {result.Count} value(s)");
    }

    private List<object?[]> Rows(SelectPlan<TNode> plan, TNode? focus, int rowIndex, State state)
    {
        if (plan.Iteration == IterationKind.None)
        {
            return Body(plan, focus, rowIndex, state, nullRow: false);
        }

        var items = plan.Iteration == IterationKind.Repeat
            ? Repeat(plan.IterationPaths, focus, rowIndex, state)
            : state.Evaluate(plan.IterationPaths[0], focus, rowIndex);
        if (items.Count == 0)
        {
            // forEachOrNull's null row still evaluates its columns, over an empty focus, so that
            // %rowIndex reads 0 and constants keep their values (row_index.json).
            return plan.Iteration == IterationKind.ForEachOrNull ? Body(plan, null, 0, state, nullRow: true) : [];
        }

        var rows = new List<object?[]>();
        for (var i = 0; i < items.Count; i++)
        {
            rows.AddRange(Body(plan, items[i], i, state, nullRow: false));
        }

        return rows;
    }

    private List<object?[]> Body(SelectPlan<TNode> plan, TNode? focus, int rowIndex, State state, bool nullRow)
    {
        var own = new object?[plan.Width];
        Columns(plan, focus, rowIndex, state, own, plan.Start);
        List<object?[]> rows = [own];
        for (var i = 0; i < plan.Children.Count; i++)
        {
            var child = plan.Children[i];
            rows = Cross(rows, ChildRows(Rows(child, focus, rowIndex, state), child.Width, nullRow), child.Start - plan.Start);
            if (rows.Count == 0)
            {
                return rows;
            }
        }

        if (plan.UnionAll.Count > 0)
        {
            var union = new List<object?[]>();
            foreach (var branch in plan.UnionAll)
            {
                union.AddRange(Rows(branch, focus, rowIndex, state));
            }

            rows = Cross(rows, ChildRows(union, plan.UnionAll[0].Width, nullRow), plan.UnionAll[0].Start - plan.Start);
        }

        return rows;
    }

    // The plan's own columns into row, whose slot 0 is the view's slot offset.
    private void Columns(SelectPlan<TNode> plan, TNode? focus, int rowIndex, State state, object?[] row, int offset)
    {
        for (var i = 0; i < plan.Columns.Count; i++)
        {
            var column = plan.Columns[i];
            row[column.Slot - offset] = ColumnValue(column, state.Evaluate(column.Path, focus, rowIndex), state);
        }
    }

    // Inside forEachOrNull's null row nothing may remove the row: an empty child becomes nulls.
    private static List<object?[]> ChildRows(List<object?[]> rows, int width, bool nullRow) =>
        rows.Count == 0 && nullRow ? [new object?[width]] : rows;

    private object? ColumnValue(ColumnPlan<TNode> column, IReadOnlyList<TNode> result, State state)
    {
        if (column.Collection)
        {
            var values = new object?[result.Count];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = engine.ToRowValue(result[i]);
            }

            return values;
        }

        return result.Count switch
        {
            0 => null,
            1 => engine.ToRowValue(result[0]),
            _ => throw state.Error(
                column.ElementPath + ".path",
                $"column '{column.Name}' got {result.Count} values; declare it with \"collection\": true or pick one value (e.g. first())"),
        };
    }

    // Depth-first, each item followed by everything reachable from it (SQL-on-FHIR v2 "repeat").
    private static List<TNode> Repeat(IReadOnlyList<IPathExpression<TNode>> paths, TNode? focus, int rowIndex, State state)
    {
        var found = new List<TNode>();
        Collect(focus);
        return found;

        void Collect(TNode? node)
        {
            foreach (var path in paths)
            {
                foreach (var item in state.Evaluate(path, node, rowIndex))
                {
                    found.Add(item);
                    Collect(item);
                }
            }
        }
    }

    // Each left row is joined with each right row, the right one copied into the left at offset.
    private static List<object?[]> Cross(List<object?[]> left, List<object?[]> right, int offset)
    {
        if (right.Count == 0)
        {
            return [];
        }

        if (right.Count == 1)
        {
            for (var i = 0; i < left.Count; i++)
            {
                Array.Copy(right[0], 0, left[i], offset, right[0].Length);
            }

            return left;
        }

        var result = new List<object?[]>(left.Count * right.Count);
        foreach (var row in left)
        {
            foreach (var part in right)
            {
                var copy = (object?[])row.Clone();
                Array.Copy(part, 0, copy, offset, part.Length);
                result.Add(copy);
            }
        }

        return result;
    }

    /// <summary>The per-resource state: the engine's run and where the resource came from.</summary>
    private readonly struct State(IPathRun<TNode> run, ResourceLine resource)
    {
        public IPathRun<TNode> Run => run;

        public IReadOnlyList<TNode> Evaluate(IPathExpression<TNode> path, TNode? focus, int rowIndex)
        {
            run.RowIndex = rowIndex;
            try
            {
                return path.Evaluate(focus, run);
            }
            catch (Exception ex) when (ex is not ViewEvaluationException and not OutOfMemoryException)
            {
                throw new ViewEvaluationException(resource.SourceName, resource.LineNumber, path.ElementPath, ex.Message, ex);
            }
        }

        public ViewEvaluationException Error(string elementPath, string message) =>
            new(resource.SourceName, resource.LineNumber, elementPath, message, null);
    }
}
