using FhirBulk.Views.Definition;
using FhirBulk.Views.FhirPath;
using FhirBulk.Views.FhirPath.Model;

namespace FhirBulk.Views.Engine;

/// <summary>
/// Compiles the select tree of a view into <see cref="SelectPlan{TNode}"/>s, assigning each
/// column its row slot and checking everything that can be checked before data is read.
/// </summary>
internal sealed class SelectPlanBuilder<TNode>(IPathEngine<TNode> engine, bool strictCardinality)
    where TNode : class
{
    private readonly List<ViewColumn> _columns = [];
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);

    /// <summary>The output columns, in slot order.</summary>
    public IReadOnlyList<ViewColumn> Columns => _columns;

    public SelectPlan<TNode> Build(SelectClause select, PathShape context, int start)
    {
        var (iteration, paths, element) = CompileIteration(select, context);
        var slot = start;
        var columns = new List<ColumnPlan<TNode>>();
        foreach (var column in select.Columns)
        {
            columns.Add(CompileColumn(column, element, slot++));
        }

        var children = new List<SelectPlan<TNode>>();
        foreach (var child in select.Select)
        {
            var plan = Build(child, element, slot);
            children.Add(plan);
            slot += plan.Width;
        }

        var union = BuildUnion(select, element, slot);
        slot += union.Count == 0 ? 0 : union[0].Width;
        return new SelectPlan<TNode>
        {
            Iteration = iteration,
            IterationPaths = paths,
            Columns = columns,
            Children = children,
            UnionAll = union,
            Start = start,
            Width = slot - start,
        };
    }

    private (IterationKind Kind, IReadOnlyList<IPathExpression<TNode>> Paths, PathShape Element) CompileIteration(
        SelectClause select, PathShape context)
    {
        if (select.ForEach is { } forEach)
        {
            var path = engine.Compile(forEach, context, select.ElementPath + ".forEach");
            return (IterationKind.ForEach, [path], path.Result.AsSingle());
        }

        if (select.ForEachOrNull is { } forEachOrNull)
        {
            var path = engine.Compile(forEachOrNull, context, select.ElementPath + ".forEachOrNull");
            return (IterationKind.ForEachOrNull, [path], path.Result.AsSingle());
        }

        if (select.Repeat is { } repeat)
        {
            // Repeat paths apply to the focus first (so they are analyzed against it), then to
            // every item they reach, whose types can differ from path to path: the items' static
            // type is left unknown.
            var paths = repeat.Select((p, i) => engine.Compile(p, context, $"{select.ElementPath}.repeat[{i}]")).ToList();
            return (IterationKind.Repeat, paths, PathShape.Unknown with { Cardinality = PathCardinality.Single });
        }

        return (IterationKind.None, [], context);
    }

    private ColumnPlan<TNode> CompileColumn(ColumnDefinition column, PathShape context, int slot)
    {
        if (!_names.Add(column.Name))
        {
            throw new ViewDefinitionException(column.ElementPath + ".name", $"column '{column.Name}' is defined twice", null);
        }

        if (column.Type is { } type && !engine.IsKnownType(type))
        {
            throw new ViewDefinitionException(column.ElementPath + ".type", $"'{type}' is not a FHIR type{TypeSpecifiers.DidYouMean(type, Misspelling.Meant(type, R4Types.Names))}", null);
        }

        var path = engine.Compile(column.Path, context, column.ElementPath + ".path");
        if (strictCardinality && !column.Collection && path.Result.Cardinality == PathCardinality.Many)
        {
            throw new ViewDefinitionException(
                column.ElementPath + ".path",
                $"'{column.Path}' can return several values; set \"collection\": true, or select one (e.g. first()), or turn off {nameof(ViewCompilerOptions.StrictCardinality)}",
                null);
        }

        _columns.Add(new ViewColumn(column.Name, column.Type ?? path.Result.FhirType, column.Collection, column.AnsiType));
        return new ColumnPlan<TNode>(slot, column.Name, column.ElementPath, path, column.Collection);
    }

    private List<SelectPlan<TNode>> BuildUnion(SelectClause select, PathShape context, int start)
    {
        var branches = new List<SelectPlan<TNode>>();
        var namesOutside = _names.ToHashSet(StringComparer.Ordinal);
        ViewColumn[]? expected = null;
        for (var i = 0; i < select.UnionAll.Count; i++)
        {
            if (expected is not null)
            {
                // Every branch fills the same slots with the same names.
                _names.Clear();
                _names.UnionWith(namesOutside);
            }

            var columnsBefore = _columns.Count;
            var branch = Build(select.UnionAll[i], context, start);
            var columns = _columns.Skip(columnsBefore).ToArray();
            branches.Add(branch);
            if (expected is null)
            {
                expected = columns;
                continue;
            }

            if (!columns.Select(c => c.Name).SequenceEqual(expected.Select(c => c.Name), StringComparer.Ordinal))
            {
                throw new ViewDefinitionException(
                    select.UnionAll[i].ElementPath,
                    $"unionAll branches must have the same columns in the same order: expected ({string.Join(", ", expected.Select(c => c.Name))}), found ({string.Join(", ", columns.Select(c => c.Name))})",
                    null);
            }

            // The table has one type per column, the first branch's; a branch asking for another would be ignored unseen.
            if (columns.Zip(expected).FirstOrDefault(p => p.First.DeclaredType != p.Second.DeclaredType) is ({ } found, { } first))
            {
                throw new ViewDefinitionException(
                    select.UnionAll[i].ElementPath,
                    $"unionAll branches must give column '{found.Name}' the same {SqlType.TagName} tag: the first gives {first.DeclaredType?.ToString() ?? "none"}, this one {found.DeclaredType?.ToString() ?? "none"}",
                    null);
            }

            // Only the first branch's columns are output columns.
            _columns.RemoveRange(columnsBefore, _columns.Count - columnsBefore);
        }

        return branches;
    }
}
