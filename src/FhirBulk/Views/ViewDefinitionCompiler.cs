using System.Text.Json;
using System.Text.RegularExpressions;
using FhirBulk.Views.Definition;
using FhirBulk.Views.Engine;
using FhirBulk.Views.FhirPath;
using FhirBulk.Views.FhirPath.Json;

namespace FhirBulk.Views;

/// <summary>
/// Validates a SQL-on-FHIR v2 ViewDefinition and compiles it into an <see cref="ICompiledView"/>.
/// Every check that does not need data runs here, so a broken view fails before any resource
/// is read, with a <see cref="ViewDefinitionException"/> naming the offending element.
/// </summary>
public static partial class ViewDefinitionCompiler
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
        return Compile(view, options, new EngineReaders());
    }

    /// <summary>
    /// Validates and compiles several views that will run over the same resources. Views of one
    /// resource type share the reading of a resource: when they evaluate the same
    /// <see cref="Ndjson.ResourceLine"/> one after another, it is indexed (JSON engine) or
    /// deserialized (Firely engine) once, with the elements any of them reads.
    /// </summary>
    /// <param name="views">The views, e.g. every ViewDefinition of a folder.</param>
    /// <param name="options">
    /// Options applied to every view; <see cref="ViewCompilerOptions.TableName"/> must be unset,
    /// since the tables need distinct names.
    /// </param>
    /// <returns>The compiled views, in the order given.</returns>
    /// <exception cref="ViewDefinitionException">A view breaks the spec, or two views have the same name (case aside).</exception>
    /// <exception cref="ArgumentException">A table name was given.</exception>
    public static IReadOnlyList<ICompiledView> CompileAll(IEnumerable<ViewDefinition> views, ViewCompilerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(views);
        return CompileAll(views.Select(v => (v, (string?)null)), options);
    }

    /// <summary>As the public <c>CompileAll</c>, a view's error naming its file when it has one.</summary>
    internal static IReadOnlyList<ICompiledView> CompileAll(IEnumerable<(ViewDefinition View, string? FileName)> views, ViewCompilerOptions? options)
    {
        if (options?.TableName is not null)
        {
            throw new ArgumentException("A table name cannot be shared by several views.", nameof(options));
        }

        var readers = new Dictionary<string, EngineReaders>(StringComparer.Ordinal);
        var compiled = new List<ICompiledView>();
        // Case aside, as DuckDB and most SQL engines compare table names.
        var names = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (view, fileName) in views)
        {
            if (!readers.TryGetValue(view.Resource, out var reader))
            {
                reader = new EngineReaders();
                readers.Add(view.Resource, reader);
            }

            ICompiledView result;
            try
            {
                result = Compile(view, options, reader);
            }
            catch (ViewDefinitionException e) when (fileName is not null)
            {
                throw new ViewDefinitionException(fileName, e);
            }

            if (names.TryGetValue(result.Schema.Name, out var earlier))
            {
                var error = new ViewDefinitionException(
                    "name", $"'{result.Schema.Name}' is also the name of {earlier}; each view becomes a table, so view names must differ (case aside)", null);
                throw fileName is null ? error : new ViewDefinitionException(fileName, error);
            }

            names.Add(result.Schema.Name, fileName ?? $"view {compiled.Count + 1} of those given");

            compiled.Add(result);
        }

        return compiled;
    }

    // The JSON engine unless Firely is asked for; on the JSON engine, Firely evaluates only the expressions it lacks.
    private static ICompiledView Compile(ViewDefinition view, ViewCompilerOptions? options, EngineReaders readers)
    {
        if ((options?.Engine ?? FhirPathEngineKind.Json) == FhirPathEngineKind.Json)
        {
            var engine = new JsonPathEngine(view.Constants, readers.Json);
            var compiled = Compile(view, engine, options);
            engine.Register();
            return compiled;
        }

        readers.Firely ??= new FirelyResourceReader();
        return Compile(view, new FirelyPathEngine(view.Constants, readers.Firely), options);
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

        // A repeat path applies to the items it reaches as well as to its focus, and only the focus is typed statically
        // (answer.item is no element of a QuestionnaireResponse, but of the items that item reaches).
        List<ViewWarning> warnings = [.. engine.UnknownNames.Where(w => !RepeatPath().IsMatch(w.ElementPath))];
        if (options?.StrictElements == true && warnings.Count > 0)
        {
            throw new ViewDefinitionException(warnings[0].ElementPath, warnings[0].Message, null);
        }

        var name = options?.TableName ?? view.Name ?? view.Resource.ToLowerInvariant();
        var schema = new ViewSchema(name, view.Resource, [.. builder.Columns]);

        // Only on the JSON engine: the Firely engine stays the oracle the differential tests hold the prefilter to.
        var prefilter = engine is JsonPathEngine ? LinePrefilter.For(view.Where.Select(w => w.Path), view.Resource) : null;
        var choice = engine is JsonPathEngine json
            ? new ViewEngineChoice(FhirPathEngineKind.Json) { Fallbacks = [.. json.Fallbacks], RequiredText = prefilter?.Description }
            : new ViewEngineChoice(FhirPathEngineKind.Firely);
        return new CompiledView<TNode>(schema, choice, engine, where, selects, prefilter) { Warnings = warnings };
    }

    [GeneratedRegex(@"\.repeat\[\d+\]$", RegexOptions.CultureInvariant)]
    private static partial Regex RepeatPath();

    /// <summary>The readers the views of one resource type share, one per engine, made when a view needs one.</summary>
    private sealed class EngineReaders
    {
        public JsonResourceReader Json { get; } = new();

        public FirelyResourceReader? Firely { get; set; }
    }
}
