using System.Text.Json;
using FhirBulk.Views.Definition;
using FhirBulk.Views.Engine;
using FhirBulk.Views.FhirPath;

namespace FhirBulk.Views;

/// <summary>
/// Validates a SQL-on-FHIR v2 ViewDefinition and compiles it into an <see cref="ICompiledView"/>.
/// Every check that does not need data runs here, so a broken view fails before any resource
/// is read, with a <see cref="ViewDefinitionException"/> naming the offending element.
/// </summary>
public static class ViewDefinitionCompiler
{
    /// <summary>Parses, validates and compiles a ViewDefinition given as JSON text.</summary>
    /// <exception cref="ViewDefinitionException">The view is malformed or breaks the spec.</exception>
    public static ICompiledView Compile(string json, ViewCompilerOptions? options = null) =>
        Compile(ViewDefinitionParser.Parse(json), options);

    /// <summary>Parses, validates and compiles a ViewDefinition given as a JSON element.</summary>
    /// <exception cref="ViewDefinitionException">The view breaks the spec.</exception>
    public static ICompiledView Compile(JsonElement json, ViewCompilerOptions? options = null) =>
        Compile(ViewDefinitionParser.Parse(json), options);

    /// <summary>Validates and compiles a parsed ViewDefinition.</summary>
    /// <exception cref="ViewDefinitionException">The view breaks the spec.</exception>
    public static ICompiledView Compile(ViewDefinition view, ViewCompilerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(view);
        return Compile(view, new FirelyPathEngine(view.Constants), options);
    }

    internal static ICompiledView Compile<TNode>(ViewDefinition view, IPathEngine<TNode> engine, ViewCompilerOptions? options)
        where TNode : class
    {
        var resource = engine.ResourceShape(view.Resource, "resource");
        var where = new List<IPathExpression<TNode>>();
        foreach (var clause in view.Where)
        {
            var elementPath = clause.ElementPath + ".path";
            var path = engine.Compile(clause.Path, resource, elementPath);
            if (path.Result.FhirType is { } type && type != "boolean")
            {
                throw new ViewDefinitionException(elementPath, $"'{clause.Path}' gives {type}, but a where path must give a boolean", null);
            }

            where.Add(path);
        }

        var builder = new SelectPlanBuilder<TNode>(engine, options?.StrictCardinality ?? false);
        var selects = new List<SelectPlan<TNode>>();
        var slot = 0;
        foreach (var select in view.Select)
        {
            var plan = builder.Build(select, resource, slot);
            selects.Add(plan);
            slot += plan.Width;
        }

        var name = options?.TableName ?? view.Name ?? view.Resource.ToLowerInvariant();
        var schema = new ViewSchema(name, view.Resource, [.. builder.Columns]);
        return new CompiledView<TNode>(schema, engine, where, selects);
    }
}
