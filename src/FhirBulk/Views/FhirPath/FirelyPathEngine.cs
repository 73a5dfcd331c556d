using System.Text.RegularExpressions;
using FhirBulk.Ndjson;
using FhirBulk.Views.Definition;
using FhirBulk.Views.FhirPath.Model;
using Hl7.Fhir.ElementModel;
using Hl7.Fhir.Model;
using Hl7.FhirPath;
using Expression = Hl7.FhirPath.Expressions.Expression;
using P = Hl7.Fhir.ElementModel.Types;

namespace FhirBulk.Views.FhirPath;

/// <summary>
/// The FHIRPath engine backed by Firely (Hl7.Fhir.R4): every expression is compiled once per
/// view, with the SQL-on-FHIR functions added to the symbol table; resources are read by a
/// <see cref="FirelyResourceReader"/> (Ostrich mode, only the elements the views read).
/// </summary>
internal sealed partial class FirelyPathEngine : IPathEngine<PocoNode>
{
    // The compiler holds no per-view state and is safe to share across threads; building its
    // symbol table is expensive, so it is done once.
    private static readonly Lazy<FhirPathCompiler> SharedCompiler = new(() => new FhirPathCompiler(SqlOnFhirSymbols.Create()));

    private readonly Dictionary<string, IEnumerable<PocoNode>> _constants;
    private readonly FirelyShapeAnalyzer _analyzer;
    private readonly FirelyResourceReader _reader;
    private readonly bool _useSimplePaths;

    /// <param name="constants">The view's constants.</param>
    /// <param name="reader">
    /// The reader to share with the other views of the same resource type; by default the view
    /// gets its own, which deserializes only what the view reads.
    /// </param>
    /// <param name="useSimplePaths">
    /// Whether pure navigation paths bypass Firely's evaluator (see <see cref="SimplePath"/>);
    /// off only to check that it changes no row.
    /// </param>
    public FirelyPathEngine(IReadOnlyList<ViewConstant> constants, FirelyResourceReader? reader = null, bool useSimplePaths = true)
    {
        ArgumentNullException.ThrowIfNull(constants);
        FirelyModel.EnsureSeeded();
        _useSimplePaths = useSimplePaths;
        _constants = constants.ToDictionary(c => c.Name, c => (IEnumerable<PocoNode>)[ToNode(c)], StringComparer.Ordinal);
        _analyzer = new FirelyShapeAnalyzer(constants);
        _reader = reader ?? new FirelyResourceReader();
        _reader.Register(_analyzer);
    }

    /// <summary>
    /// The top-level elements the expressions compiled so far read, or <see langword="null"/>
    /// when they may read the whole resource.
    /// </summary>
    internal IReadOnlySet<string>? RootElements => _analyzer.RootElements;

    /// <summary>Names the engine reserves for itself in the FHIRPath environment.</summary>
    internal const string RowIndexVariable = "rowIndex";

    // SQL-on-FHIR writes the type argument of getReferenceKey as a type specifier (Patient, FHIR.Patient); Firely would
    // evaluate that as a child path, so it is rewritten to a string literal of the type's name before parsing.
    [GeneratedRegex(@"getReferenceKey\(\s*(?:FHIR\.)?([A-Za-z]+)\s*\)")]
    private static partial Regex TypedReferenceKey();

    public PathShape ResourceShape(string resourceType, string elementPath) => _analyzer.ResourceShape(resourceType, elementPath);

    public bool IsKnownType(string fhirType) => FirelyShapeAnalyzer.IsKnownType(fhirType);

    /// <inheritdoc/>
    public IReadOnlyList<ViewWarning> UnknownNames => _analyzer.UnknownNames;

    public IPathExpression<PocoNode> Compile(string expression, PathShape context, string elementPath)
    {
        // The projection is fixed by the first resource; a later expression could need more.
        if (_reader.Started)
        {
            throw new InvalidOperationException("All expressions of a view must be compiled before it evaluates a resource.");
        }

        var source = TypedReferenceKey().Replace(expression, "getReferenceKey('$1')");
        Expression parsed;
        CompiledExpression compiled;
        try
        {
            parsed = SharedCompiler.Value.Parse(source);
            compiled = SharedCompiler.Value.Compile(FirelyRewriter.Rewrite(parsed));
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException or NotSupportedException)
        {
            throw new ViewDefinitionException(elementPath, $"invalid FHIRPath '{expression}': {ex.Message}", ex);
        }

        var shape = _analyzer.Analyze(parsed, context, elementPath);
        return new FirelyExpression(compiled, _useSimplePaths ? SimplePath.TryCreate(parsed, SharedCompiler.Value.Compile) : null, shape, elementPath);
    }

    public IPathRun<PocoNode> Start(ResourceLine resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return new FirelyRun(_reader.Read(resource), _constants);
    }

    public object? ToRowValue(PocoNode node) => ((ITypedElement)node).Value switch
    {
        // A primitive with only extensions (_birthDate without birthDate) has no value to show.
        null when node.Poco is PrimitiveType => null,
        null => node.ToJson(false),
        string or bool or int or long or decimal => ((ITypedElement)node).Value,
        P.Quantity quantity => quantity.ToString(),
        var other => other.ToString(),
    };

    private static PocoNode ToNode(ViewConstant constant) => PocoNode.ForAnyPrimitive(ConstantValue.Of(constant));

    private sealed class FirelyExpression(CompiledExpression compiled, SimplePath? simple, PathShape result, string elementPath)
        : IPathExpression<PocoNode>
    {
        public string ElementPath => elementPath;

        public PathShape Result => result;

        public IReadOnlyList<PocoNode> Evaluate(PocoNode? focus, IPathRun<PocoNode> run)
        {
            if (simple is not null)
            {
                return simple.Evaluate(focus);
            }

            var firelyRun = (FirelyRun)run;
            firelyRun.PrepareRowIndex();
            return compiled(focus is null ? [] : [focus], firelyRun.Context).ToList();
        }
    }

    private sealed class FirelyRun(PocoNode resource, Dictionary<string, IEnumerable<PocoNode>> constants) : IPathRun<PocoNode>
    {
        private static readonly IEnumerable<PocoNode>[] SmallIndexes =
            [.. Enumerable.Range(0, 64).Select(i => (IEnumerable<PocoNode>)[PocoNode.ForAnyPrimitive(i)])];

        private EvaluationContext? _context;
        private int _preparedIndex = -1;

        public PocoNode Resource => resource;

        public int RowIndex { get; set; }

        // Created on first use: views whose paths are all simple never need one.
        public EvaluationContext Context => _context ??= new EvaluationContext
        {
            Environment = new Dictionary<string, IEnumerable<PocoNode>>(constants, StringComparer.Ordinal),
        }.WithResourceOverrides(resource, resource);

        public void PrepareRowIndex()
        {
            if (_preparedIndex == RowIndex && _context is not null)
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
