using FhirBulk.Views.Definition;
using FhirBulk.Views.FhirPath.Model;
using Hl7.Fhir.Introspection;
using Hl7.FhirPath.Expressions;

namespace FhirBulk.Views.FhirPath;

/// <summary>
/// Static analysis of parsed FHIRPath expressions against the R4 model. It infers each result's
/// type and whether it can hold several items, so a view can be rejected before any data is read
/// (a non-boolean <c>where</c>, an undefined <c>%constant</c>, optionally a many-valued column),
/// and it records which top-level elements of the resource the view reads at all, so the engine
/// can skip deserializing the rest. Anything it cannot follow is <see cref="PathShape.Unknown"/>;
/// anything that could read the resource as a whole turns the element recording off.
/// </summary>
internal sealed class FirelyShapeAnalyzer(IEnumerable<ViewConstant> constants)
{
    private static readonly HashSet<string> BooleanFunctions =
    [
        "exists", "empty", "not", "all", "allTrue", "anyTrue", "allFalse", "anyFalse", "subsetOf",
        "supersetOf", "isDistinct", "hasValue", "is", "contains", "startsWith", "endsWith", "matches",
        "memberOf", "conformsTo", "convertsToBoolean", "convertsToInteger", "convertsToString",
        "convertsToDecimal", "convertsToDate", "convertsToDateTime", "convertsToTime", "convertsToQuantity",
    ];

    // Functions whose result is (a subset of) their input, so the input's type carries over.
    private static readonly HashSet<string> FilterFunctions =
        ["first", "last", "single", "where", "distinct", "tail", "skip", "take", "trace"];

    private static readonly HashSet<string> SingleFunctions =
        ["first", "last", "single", "count", "join", "toString", "toInteger", "toDecimal", "toBoolean",
         "toDate", "toDateTime", "toTime", "toQuantity", "length", "upper", "lower", "substring", "replace",
         "indexOf", "iif", "sum", "min", "max", "avg", "lowBoundary", "highBoundary", "getResourceKey"];

    // Functions that may be applied to the resource itself without reading all of it: they
    // either read nothing of it, evaluate their arguments on it (which the analysis follows),
    // or read one known element.
    private static readonly Dictionary<string, string?> RootSafeFunctions = new(StringComparer.Ordinal)
    {
        ["where"] = null,
        ["select"] = null,
        ["exists"] = null,
        ["empty"] = null,
        ["all"] = null,
        ["count"] = null,
        ["first"] = null,
        ["last"] = null,
        ["single"] = null,
        ["not"] = null,
        ["iif"] = null,
        ["getResourceKey"] = "id",
        ["extension"] = "extension",
    };

    // Functions that evaluate their arguments with $this set to (each item of) their input; every
    // other function evaluates them against the expression's own context. Firely scopes iif and
    // defineVariable too, as FHIRPath 3 does.
    private static readonly HashSet<string> ScopedFunctions =
        ["where", "select", "all", "exists", "any", "repeat", "aggregate", "trace", "iif", "defineVariable"];

    private static readonly HashSet<string> TypeArgumentFunctions = ["getReferenceKey", "ofType", "is", "as"];

    private static readonly HashSet<string> BooleanOperators =
        ["=", "!=", "~", "!~", "<", ">", "<=", ">=", "and", "or", "xor", "implies", "is", "in", "contains"];

    private readonly Dictionary<string, string> _constants = constants.ToDictionary(c => c.Name, c => c.FhirType, StringComparer.Ordinal);
    private readonly HashSet<string> _rootElements = new(StringComparer.Ordinal);
    private readonly List<ViewWarning> _unknownNames = [];
    private bool _readsWholeResource;

    /// <summary>
    /// The top-level elements (FHIR element names, e.g. <c>deceased</c> for
    /// <c>deceasedBoolean</c>) the expressions analyzed so far read, or <see langword="null"/>
    /// when they may read the whole resource.
    /// </summary>
    public IReadOnlySet<string>? RootElements => _readsWholeResource ? null : _rootElements;

    /// <summary>
    /// The paths analyzed so far that name an element their (concrete) type does not have, or a type that does not exist,
    /// in the order met.
    /// </summary>
    public IReadOnlyList<ViewWarning> UnknownNames => _unknownNames;

    /// <summary>Whether <paramref name="fhirType"/> names a FHIR data type (for a column's <c>type</c>), exactly.</summary>
    // integer64 is an R5 type that SQL-on-FHIR allows in R4 views as well.
    public static bool IsKnownType(string fhirType) =>
        fhirType == "integer64" || R4Types.IsKnown(fhirType);

    /// <summary>The shape of a resource of the given type; throws naming <paramref name="elementPath"/> when R4 has no such type.</summary>
    public PathShape ResourceShape(string resourceType, string elementPath) =>
        R4Types.Find(resourceType) is { IsResource: true } mapping
            ? new PathShape(mapping.Name, PathCardinality.Single, mapping) { IsResourceRoot = true }
            : throw new ViewDefinitionException(elementPath, TypeSpecifiers.NotAResourceType(resourceType), null);

    /// <summary>Checks <paramref name="expression"/> and infers its result shape.</summary>
    public PathShape Analyze(Expression expression, PathShape focus, string elementPath) =>
        Value(Infer(expression, focus, elementPath));

    // A sub-result used as a value (not navigated into): if it is the resource, all of it counts.
    private PathShape Value(PathShape shape)
    {
        if (shape.IsResourceRoot)
        {
            _readsWholeResource = true;
        }

        return shape;
    }

    private PathShape Infer(Expression expression, PathShape focus, string elementPath)
    {
        switch (expression)
        {
            case AxisExpression axis:
                return axis.AxisName is "that" or "this" or "builtin.that" or "builtin.this" ? focus : PathShape.Unknown;
            case VariableRefExpression variable:
                CheckVariable(variable.Name, elementPath);
                if (variable.Name is "resource" or "rootResource" or "context")
                {
                    _readsWholeResource = true;
                }

                var type = variable.Name == FirelyPathEngine.RowIndexVariable
                    ? "integer"
                    : _constants.GetValueOrDefault(variable.Name);
                return new PathShape(type, PathCardinality.Single, null);
            case ConstantExpression constant:
                return new PathShape(ConstantType(constant.Value), PathCardinality.Single, null);
            case ChildExpression child:
                return Child(Infer(child.Focus, focus, elementPath), child.ChildName, elementPath);
            case IndexerExpression indexer:
                Value(Infer(indexer.Index, focus, elementPath));
                return Value(Infer(indexer.Focus, focus, elementPath)) with { Cardinality = PathCardinality.Single };
            case BinaryExpression binary:
                return Binary(binary, focus, elementPath);
            case UnaryExpression unary:
                foreach (var operand in Operands(unary))
                {
                    Value(Infer(operand, focus, elementPath));
                }

                return PathShape.Unknown with { Cardinality = PathCardinality.Single };
            case FunctionCallExpression call:
                return Function(call, focus, elementPath);
            case BracketExpression bracket:
                return Infer(bracket.Operand, focus, elementPath);
            case NewNodeListInitExpression list:
                foreach (var item in list.Contents)
                {
                    Value(Infer(item, focus, elementPath));
                }

                return PathShape.Unknown;
            default:
                _readsWholeResource = true;
                return PathShape.Unknown;
        }
    }

    // Firely puts the implicit focus ($that) first among an operator's arguments.
    private static IEnumerable<Expression> Operands(FunctionCallExpression call) =>
        call.Arguments.SkipWhile((a, i) => i == 0 && a is AxisExpression);

    private PathShape Binary(BinaryExpression binary, PathShape focus, string elementPath)
    {
        var inferred = Operands(binary).Select(a => Infer(a, focus, elementPath)).ToList();
        if (binary.Op is "is" or "as" && Operands(binary).LastOrDefault() is { } type && TypeSpecifiers.Name(type) is { } typeName)
        {
            CheckType(typeName, binary.Op, elementPath, inferred.Count > 1 ? inferred[0] : focus);
        }

        var operands = inferred.Select(Value).ToList();
        if (binary.Op == "|")
        {
            return PathShape.Unknown with { Cardinality = PathCardinality.Many };
        }

        if (BooleanOperators.Contains(binary.Op))
        {
            return new PathShape("boolean", PathCardinality.Single, null);
        }

        return binary.Op == "as" && operands.Count > 0
            ? operands[0] with { FhirType = null, Token = null }
            : new PathShape(null, PathCardinality.Single, null);
    }

    private PathShape Function(FunctionCallExpression call, PathShape focus, string elementPath)
    {
        var input = call.Focus is null ? focus : Infer(call.Focus, focus, elementPath);
        var name = call.FunctionName;
        if (input.IsResourceRoot)
        {
            if (!RootSafeFunctions.TryGetValue(name, out var reads))
            {
                _readsWholeResource = true;
            }
            else if (reads is not null)
            {
                _rootElements.Add(reads);
            }
        }

        // gender.combine(name.family) reads name from the resource, not from gender: inferring it
        // from the input would leave name out of the elements the reader deserializes.
        var argumentFocus = ScopedFunctions.Contains(name) ? input.AsSingle() : focus;
        foreach (var argument in call.Arguments)
        {
            // A type specifier (getReferenceKey(Patient), is(Quantity)) names a type and reads nothing of the focus.
            if (TypeArgumentFunctions.Contains(name) && TypeSpecifiers.Name(argument) is { } typeName)
            {
                CheckType(typeName, name, elementPath, input);
                continue;
            }

            Value(Infer(argument, argumentFocus, elementPath));
        }

        if (FilterFunctions.Contains(name))
        {
            return name is "first" or "last" or "single" ? input with { Cardinality = PathCardinality.Single } : input;
        }

        if (BooleanFunctions.Contains(name))
        {
            return new PathShape("boolean", PathCardinality.Single, null);
        }

        if (name == "ofType" && call.Arguments.FirstOrDefault() is { } specifier && TypeSpecifiers.Name(specifier) is { } ofType)
        {
            var mapping = TypeSpecifiers.Resolve(ofType);
            return new PathShape(mapping?.Name ?? ofType, input.Cardinality, mapping);
        }

        if (SingleFunctions.Contains(name))
        {
            var type = name switch
            {
                "lowBoundary" or "highBoundary" => input.FhirType,
                "count" or "length" or "indexOf" => "integer",
                "join" or "toString" or "upper" or "lower" or "substring" or "replace" or "getResourceKey" => "string",
                _ => null,
            };
            return new PathShape(type, PathCardinality.Single, null);
        }

        return name switch
        {
            "getReferenceKey" => new PathShape("string", input.Cardinality, null),
            "extension" => new PathShape("Extension", PathCardinality.Many, R4Types.Find("Extension")),
            "as" or "select" or "repeat" => PathShape.Unknown with { Cardinality = PathCardinality.Many },
            _ => PathShape.Unknown,
        };
    }

    private PathShape Child(PathShape parent, string name, string elementPath)
    {
        var mapping = parent.Token as ClassMapping;
        var property = mapping is null ? null : R4Types.Element(mapping, name);
        // A type FHIRPath resolves only on the data (an abstract Resource, as in Bundle.entry.resource) may have the element;
        // a concrete type that lacks it gives nothing on every resource, which a misspelling makes silently. (The mapping's
        // own IsAbstract is unset for types imported one by one, as R4Types does; the class says it.)
        if (mapping is not null && !mapping.NativeType.IsAbstract && property is null && !(parent.IsResourceRoot && name == mapping.Name))
        {
            var meant = R4Types.ElementsMeant(mapping, name);
            var hint = meant.Count == 0 ? "" : $" (did you mean {string.Join(" or ", meant.Select(element => $"'{element}'"))}?)";
            _unknownNames.Add(new ViewWarning(elementPath, $"'{name}' is not an element of {mapping.Name} in FHIR R4{hint}, so it is empty on every resource"));
        }

        if (parent.IsResourceRoot)
        {
            if (property is null)
            {
                // Not an element of this resource type (a type prefix such as Patient.name, or a
                // misspelling): the element recording cannot follow it.
                _readsWholeResource = true;
            }
            else
            {
                _rootElements.Add(property.Name);
            }
        }

        if (property is null)
        {
            return PathShape.Unknown with { Cardinality = parent.Cardinality == PathCardinality.Many ? PathCardinality.Many : PathCardinality.Unknown };
        }

        var cardinality = parent.Cardinality == PathCardinality.Many || property.IsCollection
            ? PathCardinality.Many
            : parent.Cardinality;
        var types = property.FhirTypeMappings;
        return (types.Count == 1
            ? new PathShape(types[0].Name, cardinality, types[0])
            : new PathShape(null, cardinality, null)) with { IsElement = true };
    }

    // No value is of a type that does not exist: ofType(quantity) is empty and 'is quantity' false on every resource.
    // and an element tested against a System type (value is String) is never of it.
    private void CheckType(string typeName, string function, string elementPath, PathShape input)
    {
        var problem = function == "getReferenceKey" ? TypeSpecifiers.NotAReferenceType(typeName)
            : TypeSpecifiers.Unknown(typeName) ?? (input.IsElement ? TypeSpecifiers.NoElementIsOf(typeName) : null);
        if (problem is not null)
        {
            _unknownNames.Add(new ViewWarning(elementPath, problem));
        }
    }

    private void CheckVariable(string name, string elementPath)
    {
        if (_constants.ContainsKey(name) || ViewDefinitionParser.BuiltInVariables.Contains(name) ||
            name.StartsWith("vs-", StringComparison.Ordinal) || name.StartsWith("ext-", StringComparison.Ordinal))
        {
            return;
        }

        throw new ViewDefinitionException(elementPath, $"%{name} is not a constant of this view", null);
    }

    private static string? ConstantType(object? value) => value switch
    {
        bool => "boolean",
        string => "string",
        int or long => "integer",
        decimal => "decimal",
        Hl7.Fhir.ElementModel.Types.Date => "date",
        Hl7.Fhir.ElementModel.Types.DateTime => "dateTime",
        Hl7.Fhir.ElementModel.Types.Time => "time",
        _ => null,
    };
}
