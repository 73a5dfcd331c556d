using System.Text.Json;
using System.Text.RegularExpressions;
using FhirBulk.Ndjson;
using FhirBulk.Views.Definition;
using Hl7.Fhir.ElementModel;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.FhirPath;
using Hl7.FhirPath.Expressions;
using Expression = Hl7.FhirPath.Expressions.Expression;
using P = Hl7.Fhir.ElementModel.Types;

namespace FhirBulk.Views.FhirPath;

/// <summary>
/// The FHIRPath engine backed by Firely (Hl7.Fhir.R4): each resource is deserialized once in
/// Ostrich mode (no validation: 2.5× faster than Strict, and bulk data is read, not judged),
/// and every expression is compiled once per view.
/// </summary>
internal sealed partial class FirelyPathEngine : IPathEngine<PocoNode>
{
    // The compiler and deserializer hold no per-view state and are safe to share across
    // threads; building the symbol table is the expensive part, so it is done once.
    private static readonly Lazy<FhirPathCompiler> SharedCompiler = new(() => new FhirPathCompiler(SqlOnFhirSymbols.Create()));
    private static readonly FhirJsonDeserializer Deserializer =
        new(new DeserializerSettings().UsingMode(DeserializationMode.Ostrich));

    private readonly Dictionary<string, IEnumerable<PocoNode>> _constants;
    private readonly FirelyShapeAnalyzer _analyzer;

    public FirelyPathEngine(IReadOnlyList<ViewConstant> constants)
    {
        ArgumentNullException.ThrowIfNull(constants);
        _constants = constants.ToDictionary(c => c.Name, c => (IEnumerable<PocoNode>)[ToNode(c)], StringComparer.Ordinal);
        _analyzer = new FirelyShapeAnalyzer(_constants.Keys);
    }

    /// <summary>Names the engine reserves for itself in the FHIRPath environment.</summary>
    internal const string RowIndexVariable = "rowIndex";

    // SQL-on-FHIR writes the type argument of getReferenceKey as a bare type name; Firely would
    // evaluate that as a child path, so it is rewritten to a string literal before parsing.
    [GeneratedRegex(@"getReferenceKey\(\s*([A-Za-z]+)\s*\)")]
    private static partial Regex TypedReferenceKey();

    public PathShape ResourceShape(string resourceType, string elementPath) =>
        _analyzer.ResourceShape(resourceType)
        ?? throw new ViewDefinitionException(elementPath, $"'{resourceType}' is not a FHIR R4 resource type", null);

    public IPathExpression<PocoNode> Compile(string expression, PathShape context, string elementPath)
    {
        var source = TypedReferenceKey().Replace(expression, "getReferenceKey('$1')");
        Expression parsed;
        CompiledExpression compiled;
        try
        {
            parsed = SharedCompiler.Value.Parse(source);
            compiled = SharedCompiler.Value.Compile(parsed);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException or NotSupportedException)
        {
            throw new ViewDefinitionException(elementPath, $"invalid FHIRPath '{expression}': {ex.Message}", ex);
        }

        var shape = _analyzer.Analyze(parsed, context, elementPath);
        return new FirelyExpression(compiled, shape, elementPath);
    }

    public IPathRun<PocoNode> Start(ResourceLine resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        Resource poco;
        try
        {
            var reader = new Utf8JsonReader(resource.Json.Span);
            poco = Deserializer.DeserializeResource(ref reader);
        }
        catch (Exception ex) when (ex is DeserializationFailedException or JsonException or FormatException)
        {
            throw new ViewEvaluationException(
                resource.SourceName, resource.LineNumber, "", $"cannot read the {resource.ResourceType} resource: {ex.Message}", ex);
        }

        return new FirelyRun(poco.ToPocoNode(), _constants);
    }

    public object? ToRowValue(PocoNode node) => ((ITypedElement)node).Value switch
    {
        null => node.ToJson(false),
        string or bool or int or long or decimal => ((ITypedElement)node).Value,
        P.Quantity quantity => quantity.ToString(),
        var other => other.ToString(),
    };

    private static PocoNode ToNode(ViewConstant constant)
    {
        object value = constant.FhirType switch
        {
            "date" => P.Date.Parse((string)constant.Value),
            "dateTime" or "instant" => P.DateTime.Parse((string)constant.Value),
            "time" => P.Time.Parse((string)constant.Value),
            _ => constant.Value,
        };
        return PocoNode.ForAnyPrimitive(value);
    }

    private sealed class FirelyExpression(CompiledExpression compiled, PathShape result, string elementPath)
        : IPathExpression<PocoNode>
    {
        public string ElementPath => elementPath;

        public PathShape Result => result;

        public IReadOnlyList<PocoNode> Evaluate(PocoNode? focus, IPathRun<PocoNode> run)
        {
            var firelyRun = (FirelyRun)run;
            firelyRun.PrepareRowIndex();
            return compiled(focus is null ? [] : [focus], firelyRun.Context).ToList();
        }
    }

    private sealed class FirelyRun : IPathRun<PocoNode>
    {
        private static readonly IEnumerable<PocoNode>[] SmallIndexes =
            [.. Enumerable.Range(0, 64).Select(i => (IEnumerable<PocoNode>)[PocoNode.ForAnyPrimitive(i)])];

        private int _preparedIndex = -1;

        public FirelyRun(PocoNode resource, Dictionary<string, IEnumerable<PocoNode>> constants)
        {
            Resource = resource;
            Context = new EvaluationContext
            {
                Environment = new Dictionary<string, IEnumerable<PocoNode>>(constants, StringComparer.Ordinal),
            }.WithResourceOverrides(resource, resource);
        }

        public PocoNode Resource { get; }

        public int RowIndex { get; set; }

        public EvaluationContext Context { get; }

        public void PrepareRowIndex()
        {
            if (_preparedIndex == RowIndex)
            {
                return;
            }

            _preparedIndex = RowIndex;
            Context.Environment[RowIndexVariable] = RowIndex < SmallIndexes.Length
                ? SmallIndexes[RowIndex]
                : [PocoNode.ForAnyPrimitive(RowIndex)];
        }
    }
}
