using Hl7.Fhir.Model;
using Hl7.FhirPath;
using Hl7.FhirPath.Expressions;
using Expression = Hl7.FhirPath.Expressions.Expression;

namespace FhirBulk.Views.FhirPath;

/// <summary>
/// A FHIRPath expression that is a chain of navigation and single-item functions
/// (<c>name[0].given.first()</c>, <c>subject.getReferenceKey(Patient)</c>,
/// <c>value.ofType(Quantity).value</c>, <c>getResourceKey()</c>), evaluated by walking
/// <see cref="PocoNode"/> children directly. Such paths are most columns of real views and all of a
/// flatten table; Firely's general evaluator sets up closures and environments on every call, which
/// costs several times the walk itself. Each step yields what Firely yields: navigation is the same
/// child lookup, the key functions are the same code as the symbol table's, and <c>ofType</c> asks
/// Firely itself, once per node type (checked on Synthea data and the official suite by the tests).
/// </summary>
internal sealed class SimplePath
{
    private readonly Step[] _steps;

    private SimplePath(Step[] steps) => _steps = steps;

    /// <summary>
    /// Returns the simple form of <paramref name="expression"/>, or <see langword="null"/> when it is not such a chain.
    /// </summary>
    /// <param name="expression">The parsed expression.</param>
    /// <param name="compile">Compiles FHIRPath with the engine's symbols (for the type tests of <c>ofType</c>).</param>
    public static SimplePath? TryCreate(Expression expression, Func<string, CompiledExpression> compile)
    {
        var steps = new List<Step>();
        return Collect(expression, steps, compile) && steps.Count > 0 ? new SimplePath([.. steps]) : null;
    }

    public IReadOnlyList<PocoNode> Evaluate(PocoNode? focus)
    {
        // Most steps lead to one node (name[0], period.start): walk those without lists, and
        // only materialize a collection once a step yields several.
        var single = focus;
        List<PocoNode>? many = null;
        foreach (var step in _steps)
        {
            if (single is not null)
            {
                if (step.Kind == StepKind.Index)
                {
                    single = step.Index == 0 ? single : null;
                }
                else if (step.Kind == StepKind.Map)
                {
                    single = step.Map!(single);
                }
                else
                {
                    var children = single.Child(step.Name!);
                    single = children as PocoNode;
                    many = children is null or PocoNode ? null : [.. children];
                }
            }
            else if (many is not null)
            {
                many = step.Apply(many);
            }

            if (many is { Count: <= 1 })
            {
                single = many.Count == 1 ? many[0] : null;
                many = null;
            }

            if (single is null && many is null)
            {
                return [];
            }
        }

        return single is not null ? [single] : many!;
    }

    private static bool Collect(Expression expression, List<Step> steps, Func<string, CompiledExpression> compile)
    {
        switch (expression)
        {
            case AxisExpression axis:
                return axis.AxisName is "that" or "builtin.that";
            case ChildExpression child:
                // An initial capital is a type name (Patient.name), which FHIRPath treats as a
                // type filter, not an element: left to Firely.
                if (child.ChildName.Length == 0 || char.IsUpper(child.ChildName[0]) || !Collect(child.Focus, steps, compile))
                {
                    return false;
                }

                steps.Add(new Step(StepKind.Child, child.ChildName, 0));
                return true;
            case IndexerExpression { Index: ConstantExpression { Value: int or long } constant } indexer:
                var index = Convert.ToInt64(constant.Value, System.Globalization.CultureInfo.InvariantCulture);
                if (index is < 0 or > int.MaxValue || !Collect(indexer.Focus, steps, compile))
                {
                    return false;
                }

                steps.Add(new Step(StepKind.Index, null, (int)index));
                return true;
            case FunctionCallExpression { Focus: not null } call when ToStep(call, compile) is { } step:
                if (!Collect(call.Focus, steps, compile))
                {
                    return false;
                }

                steps.Add(step);
                return true;
            default:
                return false;
        }
    }

    /// <summary>The step for a function call, or <see langword="null"/> when it is not one the walk can take.</summary>
    private static Step? ToStep(FunctionCallExpression call, Func<string, CompiledExpression> compile)
    {
        var arguments = call.Arguments.ToList();
        return (call.FunctionName, arguments) switch
        {
            ("first", []) => new Step(StepKind.Index, null, 0),
            ("getResourceKey", []) => new Step(StepKind.Map, null, 0, SqlOnFhirSymbols.ResourceKey),
            ("getReferenceKey", []) => new Step(StepKind.Map, null, 0, node => SqlOnFhirSymbols.ReferenceKeyOf(node, null)),
            ("getReferenceKey", [ConstantExpression { Value: string type }]) => new Step(StepKind.Map, null, 0, node => SqlOnFhirSymbols.ReferenceKeyOf(node, type)),
            ("ofType", [ConstantExpression { Value: string type }]) when TypeTest.TryCreate(type, compile) is { } test => new Step(StepKind.Map, null, 0, test.Keep),
            _ => null,
        };
    }

    private enum StepKind
    {
        Child,
        Index,

        /// <summary>A function of one item that yields at most one item.</summary>
        Map,
    }

    private sealed record Step(StepKind Kind, string? Name, int Index, Func<PocoNode, PocoNode?>? Map = null)
    {
        public List<PocoNode> Apply(List<PocoNode> input)
        {
            if (Kind == StepKind.Index)
            {
                return Index < input.Count ? [input[Index]] : [];
            }

            if (Kind == StepKind.Map)
            {
                var mapped = new List<PocoNode>(input.Count);
                foreach (var node in input)
                {
                    if (Map!(node) is { } result)
                    {
                        mapped.Add(result);
                    }
                }

                return mapped;
            }

            var output = new List<PocoNode>();
            foreach (var node in input)
            {
                if (node.Child(Name!) is { } children)
                {
                    output.AddRange(children);
                }
            }

            return output;
        }
    }
}
