using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Hl7.Fhir.ElementModel;
using Hl7.Fhir.Model;
using Hl7.FhirPath;

namespace FhirBulk.Views.FhirPath;

/// <summary>
/// <c>ofType(T)</c> for <see cref="SimplePath"/>: whether a node is of type T or a subtype (an Age is a Quantity, a
/// code is not a string) is Firely's to say, so Firely is asked once per kind of node and the answer remembered.
/// </summary>
internal sealed partial class TypeTest
{
    private readonly CompiledExpression _ofType;
    private readonly ConcurrentDictionary<(Type Poco, string? InstanceType), bool> _answers = new();

    private TypeTest(CompiledExpression ofType) => _ofType = ofType;

    /// <summary>The test for a type specifier such as <c>Quantity</c> or <c>FHIR.dateTime</c>, or <see langword="null"/> when it is not one.</summary>
    public static TypeTest? TryCreate(string type, Func<string, CompiledExpression> compile) =>
        TypeName().IsMatch(type) ? new TypeTest(compile($"ofType({type})")) : null;

    /// <summary>The node itself when it is of the type, otherwise <see langword="null"/>.</summary>
    public PocoNode? Keep(PocoNode node)
    {
        // Nodes made by functions (keys, constants) carry no POCO: rare, so asked every time.
        if (node.Poco is null)
        {
            return Ask(node) ? node : null;
        }

        var key = (node.Poco.GetType(), ((ITypedElement)node).InstanceType);
        return _answers.GetOrAdd(key, static (_, state) => state.Test.Ask(state.Node), (Test: this, Node: node)) ? node : null;
    }

    private bool Ask(PocoNode node) => _ofType([node], new EvaluationContext()).Any();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)?$")]
    private static partial Regex TypeName();
}
