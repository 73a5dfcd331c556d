using FhirBulk.Views.Definition;
using Hl7.Fhir.Introspection;
using ModelInfo = Hl7.Fhir.Model.ModelInfo;
using Hl7.FhirPath.Expressions;

namespace FhirBulk.Views.FhirPath;

/// <summary>
/// Static analysis of a parsed FHIRPath expression against the R4 model: its result type and
/// whether it can yield more than one item, so a view can be rejected before any data is read
/// (a collection-valued column without <c>collection: true</c>, a non-boolean <c>where</c>, an
/// undefined <c>%constant</c>). Anything it cannot follow is <see cref="PathShape.Unknown"/> and
/// left to run time.
/// </summary>
internal sealed class FirelyShapeAnalyzer(IEnumerable<string> constantNames)
{
    // Variables FHIRPath and SQL-on-FHIR define besides the view's constants (FHIRPath N1 §8,
    // FHIR R4 §2.1.9.1.7, SQL-on-FHIR v2 %rowIndex).
    private static readonly HashSet<string> BuiltInVariables =
        ["resource", "rootResource", "context", "ucum", "sct", "loinc", FirelyPathEngine.RowIndexVariable];

    private static readonly HashSet<string> BooleanFunctions =
    [
        "exists", "empty", "not", "all", "allTrue", "anyTrue", "allFalse", "anyFalse", "subsetOf",
        "supersetOf", "isDistinct", "hasValue", "is", "contains", "startsWith", "endsWith", "matches",
        "memberOf", "conformsTo", "convertsToBoolean", "convertsToInteger", "convertsToString",
        "convertsToDecimal", "convertsToDate", "convertsToDateTime", "convertsToTime", "convertsToQuantity",
    ];

    private static readonly HashSet<string> SingleFunctions =
        ["first", "last", "single", "count", "join", "toString", "toInteger", "toDecimal", "toBoolean",
         "toDate", "toDateTime", "toTime", "toQuantity", "length", "upper", "lower", "substring", "replace",
         "indexOf", "iif", "sum", "min", "max", "avg", "lowBoundary", "highBoundary", "getResourceKey"];

    private static readonly HashSet<string> KeepCardinalityFunctions =
        ["where", "ofType", "as", "distinct", "tail", "skip", "take", "getReferenceKey", "extension", "trace", "select"];

    private static readonly HashSet<string> BooleanOperators =
        ["=", "!=", "~", "!~", "<", ">", "<=", ">=", "and", "or", "xor", "implies", "is", "in", "contains"];

    private readonly HashSet<string> _constants = [.. constantNames];

    private static ModelInspector Model => ModelInfo.ModelInspector;

    /// <summary>The shape of a resource of the given type, or <see langword="null"/> when R4 has no such type.</summary>
    public PathShape? ResourceShape(string resourceType) =>
        Model.FindClassMapping(resourceType) is { IsResource: true } mapping
            ? new PathShape(mapping.Name, PathCardinality.Single, mapping)
            : null;

    /// <summary>Checks <paramref name="expression"/> and infers its result shape.</summary>
    public PathShape Analyze(Expression expression, PathShape focus, string elementPath) =>
        Infer(expression, focus, elementPath);

    private PathShape Infer(Expression expression, PathShape focus, string elementPath)
    {
        switch (expression)
        {
            case AxisExpression axis:
                return axis.AxisName is "that" or "this" or "builtin.that" or "builtin.this" ? focus : PathShape.Unknown;
            case VariableRefExpression variable:
                CheckVariable(variable.Name, elementPath);
                return variable.Name is "resource" or "rootResource" or "context"
                    ? PathShape.Unknown with { Cardinality = PathCardinality.Single }
                    : new PathShape(null, PathCardinality.Single, null);
            case ConstantExpression constant:
                return new PathShape(ConstantType(constant.Value), PathCardinality.Single, null);
            case ChildExpression child:
                return Child(Infer(child.Focus, focus, elementPath), child.ChildName);
            case IndexerExpression indexer:
                Infer(indexer.Index, focus, elementPath);
                return Infer(indexer.Focus, focus, elementPath) with { Cardinality = PathCardinality.Single };
            case BinaryExpression binary:
                // Firely keeps the operands in Arguments (after an implicit focus); Left/Right
                // do not cover them all, so every argument is visited.
                var operands = binary.Arguments.Select(a => Infer(a, focus, elementPath)).ToList();
                if (binary.Op == "|")
                {
                    return PathShape.Unknown with { Cardinality = PathCardinality.Many };
                }

                return BooleanOperators.Contains(binary.Op)
                    ? new PathShape("boolean", PathCardinality.Single, null)
                    : binary.Op == "as" && operands.Count > 1
                        ? operands[^2] with { FhirType = null, Token = null }
                        : new PathShape(null, PathCardinality.Single, null);
            case UnaryExpression unary:
                foreach (var argument in unary.Arguments)
                {
                    Infer(argument, focus, elementPath);
                }

                return PathShape.Unknown with { Cardinality = PathCardinality.Single };
            case FunctionCallExpression call:
                return Function(call, focus, elementPath);
            case BracketExpression bracket:
                return Infer(bracket.Operand, focus, elementPath);
            case NewNodeListInitExpression list:
                foreach (var item in list.Contents)
                {
                    Infer(item, focus, elementPath);
                }

                return PathShape.Unknown;
            default:
                return PathShape.Unknown;
        }
    }

    private PathShape Function(FunctionCallExpression call, PathShape focus, string elementPath)
    {
        var input = call.Focus is null ? focus : Infer(call.Focus, focus, elementPath);
        var item = input.AsSingle();
        foreach (var argument in call.Arguments)
        {
            // Arguments of where/select/all/exists… are evaluated per item of the input; others
            // see the same focus as the call, which for a static check is close enough.
            Infer(argument, item, elementPath);
        }

        var name = call.FunctionName;
        if (BooleanFunctions.Contains(name))
        {
            return new PathShape("boolean", PathCardinality.Single, null);
        }

        if (name == "ofType" && call.Arguments.FirstOrDefault() is ConstantExpression { Value: string typeName })
        {
            var mapping = Model.FindClassMapping(typeName);
            return new PathShape(mapping?.Name ?? typeName, input.Cardinality, mapping);
        }

        if (SingleFunctions.Contains(name))
        {
            var type = name switch
            {
                "first" or "last" or "single" or "lowBoundary" or "highBoundary" => input.FhirType,
                "count" or "length" or "indexOf" => "integer",
                "join" or "toString" or "upper" or "lower" or "substring" or "replace" or "getResourceKey" => "string",
                _ => null,
            };
            var token = name is "first" or "last" or "single" ? input.Token : null;
            return new PathShape(type, PathCardinality.Single, token);
        }

        if (KeepCardinalityFunctions.Contains(name))
        {
            return name is "where" or "distinct" or "tail" or "skip" or "take" or "trace"
                ? input
                : name == "getReferenceKey"
                    ? new PathShape("string", input.Cardinality, null)
                    : input with { FhirType = null, Token = null };
        }

        return PathShape.Unknown;
    }

    private static PathShape Child(PathShape parent, string name)
    {
        if (parent.Token is not ClassMapping mapping || mapping.FindMappedElementByName(name) is not { } property)
        {
            return PathShape.Unknown with { Cardinality = parent.Cardinality == PathCardinality.Many ? PathCardinality.Many : PathCardinality.Unknown };
        }

        var cardinality = parent.Cardinality == PathCardinality.Many || property.IsCollection
            ? PathCardinality.Many
            : parent.Cardinality;
        var types = property.FhirTypeMappings;
        return types.Count == 1
            ? new PathShape(types[0].Name, cardinality, types[0])
            : new PathShape(null, cardinality, null);
    }

    private void CheckVariable(string name, string elementPath)
    {
        if (_constants.Contains(name) || BuiltInVariables.Contains(name) ||
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
        _ => null,
    };
}
