using Hl7.Fhir.Model;
using Hl7.FhirPath.Expressions;
using Expression = Hl7.FhirPath.Expressions.Expression;

namespace FhirBulk.Views.FhirPath;

/// <summary>
/// A FHIRPath expression that is nothing but navigation (<c>name[0].given.first()</c>),
/// evaluated by walking <see cref="PocoNode"/> children directly. Such paths are most columns of
/// real views and all of a flatten table; Firely's general evaluator sets up closures and
/// environments on every call, which costs several times the walk itself. The results are the
/// same nodes Firely's child navigation yields (checked on Synthea data by the tests).
/// </summary>
internal sealed class SimplePath
{
    private readonly Step[] _steps;

    private SimplePath(Step[] steps) => _steps = steps;

    /// <summary>Returns the simple form of <paramref name="expression"/>, or <see langword="null"/> when it is not pure navigation.</summary>
    public static SimplePath? TryCreate(Expression expression)
    {
        var steps = new List<Step>();
        return Collect(expression, steps) && steps.Count > 0 ? new SimplePath([.. steps]) : null;
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

    private static bool Collect(Expression expression, List<Step> steps)
    {
        switch (expression)
        {
            case AxisExpression axis:
                return axis.AxisName is "that" or "builtin.that";
            case ChildExpression child:
                // An initial capital is a type name (Patient.name), which FHIRPath treats as a
                // type filter, not an element: left to Firely.
                if (child.ChildName.Length == 0 || char.IsUpper(child.ChildName[0]) || !Collect(child.Focus, steps))
                {
                    return false;
                }

                steps.Add(new Step(StepKind.Child, child.ChildName, 0));
                return true;
            case IndexerExpression { Index: ConstantExpression { Value: int or long } constant } indexer:
                var index = Convert.ToInt64(constant.Value, System.Globalization.CultureInfo.InvariantCulture);
                if (index is < 0 or > int.MaxValue || !Collect(indexer.Focus, steps))
                {
                    return false;
                }

                steps.Add(new Step(StepKind.Index, null, (int)index));
                return true;
            case FunctionCallExpression { FunctionName: "first" } call when !call.Arguments.Any() && call.Focus is not null:
                if (!Collect(call.Focus, steps))
                {
                    return false;
                }

                steps.Add(new Step(StepKind.Index, null, 0));
                return true;
            default:
                return false;
        }
    }

    private enum StepKind
    {
        Child,
        Index,
    }

    private sealed record Step(StepKind Kind, string? Name, int Index)
    {
        public List<PocoNode> Apply(List<PocoNode> input)
        {
            if (Kind == StepKind.Index)
            {
                return Index < input.Count ? [input[Index]] : [];
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
