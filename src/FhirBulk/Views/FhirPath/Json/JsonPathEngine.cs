using System.Text.Json;
using FhirBulk.Ndjson;
using FhirBulk.Views.Definition;
using FhirBulk.Views.FhirPath.Model;
using FhirBulk.Views.FhirPath.Parsing;
using Hl7.Fhir.ElementModel;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.FhirPath;
using Expression = Hl7.FhirPath.Expressions.Expression;
using P = Hl7.Fhir.ElementModel.Types;

namespace FhirBulk.Views.FhirPath.Json;

/// <summary>
/// The FHIRPath engine over raw UTF-8 JSON: each expression is parsed into Firely's tree by <see cref="FhirPathParser"/>
/// (Firely's own parser for what that declines), typed by
/// <see cref="FirelyShapeAnalyzer"/> and compiled once by <see cref="JsonPathCompiler"/> into delegates that walk the
/// bytes of a line, reading only the members a path names. An expression it does not cover is compiled with
/// <see cref="FirelyPathEngine"/> instead and evaluated through a <see cref="FirelyFallback"/>; the rest of the view
/// stays on the bytes, and <see cref="Fallbacks"/> names each such expression.
/// </summary>
internal sealed class JsonPathEngine : IPathEngine<JsonNode>
{
    // For the expressions our own parser declines (and to give Firely's error for an invalid one); made on first use,
    // as setting up Firely's grammar costs start-up time a view of ordinary expressions need not pay. Parsing needs no
    // symbols; the parser is stateless and safe to share across threads.
    private static readonly Lazy<FhirPathCompiler> FirelyParser = new(() => new FhirPathCompiler());

    // Complex values leave as Firely writes them, so both engines give the same text. Made on first use: Firely's
    // deserializer builds the whole-model inspector, which a view without complex columns never needs.
    private static readonly Lazy<FhirJsonDeserializer> Deserializer =
        new(() => new FhirJsonDeserializer(new DeserializerSettings().UsingMode(DeserializationMode.Ostrich)));

    private readonly FirelyShapeAnalyzer _analyzer;
    private readonly List<ViewWarning> _unknownNames = [];
    private int _analyzerUnknownSeen;
    private int _firelyUnknownSeen;
    private readonly JsonPathCompiler _compiler;
    private readonly JsonResourceReader _reader;
    private readonly IReadOnlyList<ViewConstant> _constants;
    private readonly List<ExpressionFallback> _fallbacks = [];
    private FirelyPathEngine? _firely;

    /// <param name="constants">The view's constants.</param>
    /// <param name="reader">The reader to share with the other views of the same resource type.</param>
    public JsonPathEngine(IReadOnlyList<ViewConstant> constants, JsonResourceReader? reader = null)
    {
        ArgumentNullException.ThrowIfNull(constants);
        _constants = constants;
        _analyzer = new FirelyShapeAnalyzer(constants);
        _compiler = new JsonPathCompiler(constants.ToDictionary(c => c.Name, ToNode, StringComparer.Ordinal));
        _reader = reader ?? new JsonResourceReader();
    }

    public PathShape ResourceShape(string resourceType, string elementPath) => _analyzer.ResourceShape(resourceType, elementPath);

    public bool IsKnownType(string fhirType) => FirelyShapeAnalyzer.IsKnownType(fhirType);

    /// <inheritdoc/>
    public IReadOnlyList<ViewWarning> UnknownNames => _unknownNames;

    public IPathExpression<JsonNode> Compile(string expression, PathShape context, string elementPath)
    {
        Expression parsed;
        try
        {
            parsed = FhirPathParser.TryParse(expression) ?? FirelyParser.Value.Parse(expression);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException or NotSupportedException)
        {
            throw new ViewDefinitionException(elementPath, $"invalid FHIRPath '{expression}': {ex.Message}", ex);
        }

        JsonEval eval;
        try
        {
            eval = _compiler.Compile(parsed);
        }
        catch (JsonPathUnsupportedException e)
        {
            var fallback = new FirelyFallback(Firely.Compile(expression, context, elementPath), Firely);
            _fallbacks.Add(new ExpressionFallback(elementPath, expression, e.Message));
            CollectUnknownNames(Firely.UnknownNames, ref _firelyUnknownSeen);
            return fallback;
        }

        var shape = _analyzer.Analyze(parsed, context, elementPath);
        CollectUnknownNames(_analyzer.UnknownNames, ref _analyzerUnknownSeen);
        return new JsonExpression(eval, shape, elementPath);
    }

    // An expression Firely evaluates is analyzed by its engine only: both lists are merged in the order compiled.
    private void CollectUnknownNames(IReadOnlyList<ViewWarning> found, ref int seen)
    {
        for (; seen < found.Count; seen++)
        {
            _unknownNames.Add(found[seen]);
        }
    }

    /// <summary>The expressions compiled so far that Firely evaluates, in the order compiled.</summary>
    public IReadOnlyList<ExpressionFallback> Fallbacks => _fallbacks;

    // Made for the first expression the JSON engine does not cover; it reads the resource with the other views' Firely
    // fallbacks of the same resource type, keeping only what their expressions read.
    private FirelyPathEngine Firely => _firely ??= new FirelyPathEngine(_constants, _reader.FirelyReader);

    /// <summary>Counts this engine's view among those sharing the reader (call once the view has compiled).</summary>
    public void Register() => _reader.Register();

    public IPathRun<JsonNode> Start(ResourceLine resource)
    {
        ArgumentNullException.ThrowIfNull(resource);

        // The previous evaluation on this thread has ended (a view's rows are made eagerly), and with it its nodes.
        JsonNode.ReleaseItems();
        return new JsonRun(_reader.Read(resource), resource);
    }

    public object? ToRowValue(JsonNode node)
    {
        if (node.Kind != PathValueKind.None)
        {
            return node.Value is P.Quantity quantity ? quantity.ToString() : node.Value;
        }

        if (node.Start < 0 || node.Type is null)
        {
            return null;
        }

        var reader = new Utf8JsonReader(node.Json.Span[node.Start..node.End]);
        if (!Deserializer.Value.TryDeserializeObject(node.Type.NativeType, ref reader, out var value, out _) || value is null)
        {
            return null;
        }

        return value.ToPocoNode().ToJson(false);
    }

    private static JsonNode ToNode(ViewConstant constant)
    {
        // Checked as the Firely engine checks it; the node keeps the constant's text, as Firely writes it back. A constant
        // is a System value there (%c is String, not string), so it is made as one.
        ConstantValue.Of(constant);
        var type = R4Types.Find(constant.FhirType);
        return JsonNode.Made(type is not null ? JsonNode.KindOf(type) : PathValueKind.String, constant.Value);
    }

    private sealed class JsonExpression(JsonEval eval, PathShape result, string elementPath) : IPathExpression<JsonNode>
    {
        public string ElementPath => elementPath;

        public PathShape Result => result;

        public IReadOnlyList<JsonNode> Evaluate(JsonNode? focus, IPathRun<JsonNode> run) =>
            eval(new JsonEnv((JsonRun)run, focus is null ? [] : focus));
    }
}

/// <summary>The evaluation state of one resource on the JSON engine.</summary>
internal sealed class JsonRun(JsonNode resource, ResourceLine line) : IPathRun<JsonNode>
{
    // The shared navigations' results (see Shared), one table per thread reused from run to run: a run evaluates on one
    // thread from start to end, and a table per run would be allocated for every resource.
    [ThreadStatic]
    private static SharedResult[]? ThreadShared;

    private IPathRun<PocoNode>? _firely;

    public JsonNode Resource => resource;

    public int RowIndex { get; set; }

    /// <summary>The run of the view's Firely fallback over the same resource, parsed on first use (<see cref="FirelyFallback"/>).</summary>
    public IPathRun<PocoNode> FirelyRun(FirelyPathEngine engine) => _firely ??= engine.Start(line);

    /// <summary>
    /// The result of the navigation prefix numbered <paramref name="slot"/> (of <paramref name="slots"/>) from the focus of
    /// <paramref name="env"/>: evaluated by <paramref name="eval"/> the first time, kept for the rest of this run while the
    /// focus stays the same (the nodes it holds live as long). A result is used only by the run and for the focus object
    /// it was made for, so the table's slots may be shared by the views evaluated on this thread one after another.
    /// </summary>
    public IReadOnlyList<JsonNode> Shared(int slot, int slots, JsonEnv env, JsonEval eval)
    {
        var shared = ThreadShared;
        if (shared is null || shared.Length < slots)
        {
            ThreadShared = shared = new SharedResult[Math.Max(slots, 2 * (shared?.Length ?? 8))];
        }

        ref var entry = ref shared[slot];
        if (ReferenceEquals(entry.Run, this) && ReferenceEquals(entry.Focus, env.Focus))
        {
            return entry.Result!;
        }

        var result = eval(env);
        shared[slot] = new SharedResult(this, env.Focus, result);
        return result;
    }

    private readonly record struct SharedResult(JsonRun? Run, IReadOnlyList<JsonNode>? Focus, IReadOnlyList<JsonNode>? Result);
}
