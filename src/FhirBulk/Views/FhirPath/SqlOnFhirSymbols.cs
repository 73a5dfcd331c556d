using Hl7.Fhir.ElementModel;
using Hl7.Fhir.Model;
using Hl7.FhirPath.Expressions;
using Hl7.FhirPath.Functions;
using P = Hl7.Fhir.ElementModel.Types;

namespace FhirBulk.Views.FhirPath;

/// <summary>
/// The Firely symbol table: standard FHIRPath plus the SQL-on-FHIR v2 functions
/// (<c>getResourceKey()</c>, <c>getReferenceKey([type])</c>), the boundary functions, and the
/// quantity-aware comparison operators <see cref="FirelyRewriter"/> puts in place of Firely's.
/// </summary>
internal static class SqlOnFhirSymbols
{
    /// <summary>Builds a fresh symbol table; callers build it once and share the compiler.</summary>
    public static SymbolTable Create()
    {
        var symbols = new SymbolTable().AddStandardFP();
        symbols.Add("getResourceKey", (IEnumerable<PocoNode> focus) => focus.Select(ResourceKey).OfType<PocoNode>());
        symbols.Add("getReferenceKey", (IEnumerable<PocoNode> focus) => focus.Select(n => ReferenceKeyOf(n, null)).OfType<PocoNode>());
        symbols.Add("getReferenceKey", (IEnumerable<PocoNode> focus, string type) => focus.Select(n => ReferenceKeyOf(n, type)).OfType<PocoNode>());
        symbols.Add("lowBoundary", (IEnumerable<PocoNode> focus) => focus.SelectMany(n => Boundary(n, high: false)));
        symbols.Add("highBoundary", (IEnumerable<PocoNode> focus) => focus.SelectMany(n => Boundary(n, high: true)));
        symbols.Add("lowBoundary", (IEnumerable<PocoNode> focus, long precision) => focus.SelectMany(n => Boundary(n, high: false, precision)));
        symbols.Add("highBoundary", (IEnumerable<PocoNode> focus, long precision) => focus.SelectMany(n => Boundary(n, high: true, precision)));
        AddQuantityOperators(symbols);
        return symbols;
    }

    // Same signatures and empty-propagation as Firely's own operators, so that every operand
    // that is not a pair of quantities behaves exactly as before.
    private static void AddQuantityOperators(SymbolTable symbols)
    {
        const string prefix = "binary." + FirelyRewriter.QuantityOperatorPrefix;
        symbols.Add(prefix + "=", (object _, IEnumerable<PocoNode> left, IEnumerable<PocoNode> right) => Equal(left, right), doNullProp: true);
        symbols.Add(prefix + "!=", (object _, IEnumerable<PocoNode> left, IEnumerable<PocoNode> right) => !Equal(left, right), doNullProp: true);
        symbols.Add(prefix + "~", (object _, IEnumerable<PocoNode> left, IEnumerable<PocoNode> right) => Equivalent(left, right), doNullProp: false);
        symbols.Add(prefix + "!~", (object _, IEnumerable<PocoNode> left, IEnumerable<PocoNode> right) => !Equivalent(left, right), doNullProp: false);
        foreach (var op in (string[])["<", "<=", ">", ">="])
        {
            symbols.Add(prefix + op, (object _, P.Any left, P.Any right) => Compare(left, right, op), doNullProp: true);
        }
    }

    // FHIRPath compares collections pair by pair in order: false if any pair is unequal, empty
    // if any pair cannot be compared. Without a pair of quantities, Firely decides it all.
    private static bool? Equal(IEnumerable<PocoNode> left, IEnumerable<PocoNode> right)
    {
        List<PocoNode> l = [.. left], r = [.. right];
        var quantities = l.Count == r.Count ? l.Zip(r, (a, b) => AsQuantity(a) is { } qa && AsQuantity(b) is { } qb ? (qa, qb) : default).ToList() : null;
        if (quantities is null || quantities.All(pair => pair.qa is null))
        {
            return l.Cast<ITypedElement>().IsEqualTo(r.Cast<ITypedElement>(), compareNames: false);
        }

        bool? all = true;
        for (var i = 0; i < l.Count; i++)
        {
            var (qa, qb) = quantities[i];
            var pair = qa is not null
                ? QuantityComparison.Equal(qa.Value, qa.Unit, qb.Value, qb.Unit)
                : EqualityOperators.IsEqualTo((ITypedElement)l[i], (ITypedElement)r[i], compareNames: false);
            if (pair == false)
            {
                return false;
            }

            all = pair is null ? null : all;
        }

        return all;
    }

    // Equivalence of collections ignores order; only two single quantities are converted.
    private static bool Equivalent(IEnumerable<PocoNode> left, IEnumerable<PocoNode> right) =>
        SingleQuantities(left, right) is var (l, r)
            ? QuantityComparison.Equivalent(l.Value, l.Unit, r.Value, r.Unit)
            : left.Cast<ITypedElement>().IsEquivalentTo(right.Cast<ITypedElement>(), compareNames: false);

    // Firely has already turned a FHIR Quantity operand into a System quantity here (value and code).
    private static bool? Compare(P.Any left, P.Any right, string op)
    {
        if (left is not P.Quantity l || right is not P.Quantity r)
        {
            return EqualityOperators.Compare(left, right, op);
        }

        return QuantityComparison.Compare(l.Value, l.Unit, r.Value, r.Unit) is { } order
            ? op switch
            {
                "<" => order < 0,
                "<=" => order <= 0,
                ">" => order > 0,
                _ => order >= 0,
            }
            : null;
    }

    private static (P.Quantity Left, P.Quantity Right)? SingleQuantities(IEnumerable<PocoNode> left, IEnumerable<PocoNode> right)
    {
        using var l = left.GetEnumerator();
        using var r = right.GetEnumerator();
        return l.MoveNext() && r.MoveNext() && AsQuantity(l.Current) is { } lq && AsQuantity(r.Current) is { } rq && !l.MoveNext() && !r.MoveNext()
            ? (lq, rq)
            : null;
    }

    // A quantity literal, or a FHIR Quantity read as Firely reads it when comparing (its value
    // and code; without a code it is the unit '1').
    private static P.Quantity? AsQuantity(PocoNode node)
    {
        var element = (ITypedElement)node;
        if (element.Value is P.Quantity quantity)
        {
            return quantity;
        }

        return element.InstanceType == "Quantity" && element.Children("value").FirstOrDefault()?.Value is decimal value
            ? new P.Quantity(value, element.Children("code").FirstOrDefault()?.Value as string)
            : null;
    }

    /// <summary><c>getResourceKey()</c> of one node: the resource's id, or <see langword="null"/> (also used by <see cref="SimplePath"/>).</summary>
    public static PocoNode? ResourceKey(PocoNode node) =>
        node.Poco is Resource { Id: { Length: > 0 } id } ? PocoNode.ForAnyPrimitive(id) : null;

    /// <summary><c>getReferenceKey([type])</c> of one node, or <see langword="null"/> (also used by <see cref="SimplePath"/>).</summary>
    public static PocoNode? ReferenceKeyOf(PocoNode node, string? requiredType)
    {
        if (node.Poco is not ResourceReference reference || ReferenceKey.Parse(reference.Reference, reference.Type) is not { } key)
        {
            return null;
        }

        // A reference whose target type cannot be known (urn:uuid without Reference.type) is
        // kept: rejecting it would break every Synthea join.
        return requiredType is not null && key.Type is not null && !string.Equals(key.Type, requiredType, StringComparison.Ordinal)
            ? null
            : PocoNode.ForAnyPrimitive(key.Key);
    }

    private static IEnumerable<PocoNode> Boundary(PocoNode node, bool high, long? precision = null)
    {
        if (precision is < 0 or > 28)
        {
            yield break;
        }

        var digits = (int?)precision;
        object? result = ((ITypedElement)node).Value switch
        {
            decimal d => Boundaries.Of(d, high, digits),
            int i => Boundaries.Of(i, high, digits),
            long l => Boundaries.Of(l, high, digits),
            P.Date date => Boundaries.Of(date.ToString(), "date", high, digits) is { } s ? P.Date.Parse(s) : null,
            P.DateTime dateTime => Boundaries.Of(dateTime.ToString(), "dateTime", high, digits) is { } s ? ParseDateTime(s) : null,
            P.Time time => Boundaries.Of(time.ToString(), "time", high, digits) is { } s ? P.Time.Parse(s) : null,
            _ => null,
        };
        if (result is not null)
        {
            yield return PocoNode.ForAnyPrimitive(result);
        }
    }

    // A dateTime cut to a date (precision 4 to 8) is still a dateTime in FHIRPath, just a partial one.
    private static P.DateTime? ParseDateTime(string value) =>
        P.DateTime.TryParse(value, out var parsed) ? parsed : null;
}
