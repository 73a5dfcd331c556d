using Hl7.Fhir.ElementModel;
using Hl7.Fhir.Model;
using Hl7.FhirPath;
using Hl7.FhirPath.Expressions;
using Expression = Hl7.FhirPath.Expressions.Expression;
using P = Hl7.Fhir.ElementModel.Types;

namespace FhirBulk.Views.FhirPath;

/// <summary>
/// The Firely symbol table: standard FHIRPath plus the SQL-on-FHIR v2 functions
/// (<c>getResourceKey()</c>, <c>getReferenceKey([type])</c>) and the boundary functions.
/// </summary>
internal static class SqlOnFhirSymbols
{
    /// <summary>Builds a fresh symbol table; callers build it once and share the compiler.</summary>
    public static SymbolTable Create()
    {
        var symbols = new SymbolTable().AddStandardFP();
        symbols.Add("getResourceKey", (IEnumerable<PocoNode> focus) => focus.SelectMany(ResourceKey));
        symbols.Add("getReferenceKey", (IEnumerable<PocoNode> focus) => focus.SelectMany(n => ReferenceKeyOf(n, null)));
        symbols.Add("getReferenceKey", (IEnumerable<PocoNode> focus, string type) => focus.SelectMany(n => ReferenceKeyOf(n, type)));
        symbols.Add("lowBoundary", (IEnumerable<PocoNode> focus) => focus.SelectMany(n => Boundary(n, high: false)));
        symbols.Add("highBoundary", (IEnumerable<PocoNode> focus) => focus.SelectMany(n => Boundary(n, high: true)));
        // The precision argument only pads decimals with zeros (FHIRPath N1 §5.7); values
        // compare equal either way, so it is accepted and the natural precision kept.
        symbols.Add("lowBoundary", (IEnumerable<PocoNode> focus, long _) => focus.SelectMany(n => Boundary(n, high: false)));
        symbols.Add("highBoundary", (IEnumerable<PocoNode> focus, long _) => focus.SelectMany(n => Boundary(n, high: true)));
        return symbols;
    }

    private static IEnumerable<PocoNode> ResourceKey(PocoNode node)
    {
        if (node.Poco is Resource { Id: { Length: > 0 } id })
        {
            yield return PocoNode.ForAnyPrimitive(id);
        }
    }

    private static IEnumerable<PocoNode> ReferenceKeyOf(PocoNode node, string? requiredType)
    {
        if (node.Poco is not ResourceReference reference)
        {
            yield break;
        }

        var parsed = ReferenceKey.Parse(reference.Reference, reference.Type);
        if (parsed is not { } key)
        {
            yield break;
        }

        // A reference whose target type cannot be known (urn:uuid without Reference.type) is
        // kept: rejecting it would break every Synthea join.
        if (requiredType is not null && key.Type is not null && !string.Equals(key.Type, requiredType, StringComparison.Ordinal))
        {
            yield break;
        }

        yield return PocoNode.ForAnyPrimitive(key.Key);
    }

    private static IEnumerable<PocoNode> Boundary(PocoNode node, bool high)
    {
        object? result = ((ITypedElement)node).Value switch
        {
            decimal d => Boundaries.Decimal(d, high),
            int i => Boundaries.Decimal(i, high),
            long l => Boundaries.Decimal(l, high),
            P.Date date when Boundaries.Date(date.ToString(), high) is { } s => P.Date.Parse(s),
            P.DateTime dateTime when Boundaries.DateTime(dateTime.ToString(), high) is { } s => P.DateTime.Parse(s),
            P.Time time when Boundaries.Time(time.ToString(), high) is { } s => P.Time.Parse(s),
            _ => null,
        };
        if (result is not null)
        {
            yield return PocoNode.ForAnyPrimitive(result);
        }
    }
}
