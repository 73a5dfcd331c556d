using System.Text;
using FhirBulk.Views.FhirPath.Parsing;
using Hl7.Fhir.Introspection;
using Hl7.FhirPath.Expressions;
using Expression = Hl7.FhirPath.Expressions.Expression;

namespace FhirBulk.Views.FhirPath.Json;

/// <summary>
/// A test on a resource's raw JSON that every resource a view's <c>where</c> clauses select passes, so that the others
/// are passed over without being evaluated: the string literals that the clauses' equalities need. The workshop's
/// smoking-status view (<c>code.coding.where(system = 'http://loinc.org' and code = '72166-2').exists()</c>) selects one
/// Observation in ten; the nine others lack <c>72166-2</c>, and a vectorised search of the line says so.
/// </summary>
/// <remarks>
/// <para>
/// Sound by construction: a literal is required only where FHIRPath's semantics make its absence decide the clause.
/// <c>X.where(c).exists()</c> (or <c>X.exists(c)</c>) is true only if <c>c</c> is true for an item; <c>a and b</c> only if
/// both are, <c>a or b</c> only if one is; and <c>m = 'text'</c>, with <c>m</c> an element of the item's type whose values
/// are FHIR strings (string, code, uri, id, …), only if a value of <c>m</c> is exactly that text, which a line without
/// escapes then holds byte for byte: the JSON engine compares such a value's raw bytes to the literal the same way
/// (<c>JsonPathCompiler.EqualToText</c>). Every other construct (functions, <c>not()</c>,
/// <c>!=</c>, <c>~</c>, constants, choice elements, paths through anything but plain elements) requires nothing, and a
/// clause that requires nothing makes no test.
/// </para>
/// <para>
/// Each text is needed in one top-level member: the one its clause's path starts from (<c>code</c> for the workshop's
/// clause), since navigation from the resource reaches nothing else. Given where a line's top-level members lie (the
/// table the line scanner records, <see cref="Ndjson.TopLevelMembers"/>), only the values of members of that name are
/// searched: a few hundred bytes of an Observation rather than the whole line, and a text met elsewhere (a note, a
/// category) no longer lets the resource through. Names are compared as bytes, which an unescaped line writes plainly.
/// </para>
/// <para>
/// A line holding any backslash may spell the text with escapes (<c>"72166\u002d2"</c>), so it always passes on to the
/// evaluation. Only clauses that cannot fail are used, and only when every clause of the view is one: a clause that
/// can (<c>single()</c>, a string function given two items) is evaluated on every resource, so whether a resource
/// fails the view, and whether <c>--strict</c> stops, never depends on the prefilter.
/// </para>
/// </remarks>
internal sealed class LinePrefilter
{
    private readonly Need _need;

    private LinePrefilter(Need need) => _need = need;

    /// <summary>What the clauses need, as text: each required text quoted, joined by <c>and</c>/<c>or</c>.</summary>
    public string Description => _need.ToString()!;

    /// <summary>
    /// The test for the <c>where</c> clauses <paramref name="wherePaths"/> of a view of <paramref name="resourceType"/>,
    /// or <see langword="null"/> when they require no literal or one of them could fail.
    /// </summary>
    public static LinePrefilter? For(IEnumerable<string> wherePaths, string resourceType)
    {
        if (JsonModel.Resource(resourceType) is not { } resource)
        {
            return null;
        }

        var needs = new List<Need>();
        foreach (var path in wherePaths)
        {
            // A clause that could fail on some resource (single(), a string function given two items, …) must still be
            // evaluated on every resource, or the failure, and under --strict the stop, would depend on the prefilter.
            if (FhirPathParser.TryParse(path) is not { } parsed || !CannotFail(parsed))
            {
                return null;
            }

            if (Clause(parsed, resource) is { } need)
            {
                needs.Add(need);
            }
        }

        return needs.Count switch
        {
            0 => null,
            1 => new LinePrefilter(needs[0]),
            _ => new LinePrefilter(new All([.. needs])),
        };
    }

    /// <summary>
    /// <see langword="false"/> only when the resource <paramref name="json"/> cannot pass the <c>where</c> clauses; then
    /// evaluating them would give false or empty for it.
    /// </summary>
    /// <param name="json">The resource's line.</param>
    /// <param name="mayHoldEscapes">
    /// <see langword="false"/> when the caller knows the line holds no backslash (its scan found no escape), which spares
    /// searching it for one.
    /// </param>
    /// <param name="topLevelMembers">
    /// Where the line's top-level members lie, four ints each as <see cref="Ndjson.ResourceLineScanner"/> records them,
    /// all of them; empty when not known, and then the whole line is searched.
    /// </param>
    public bool MayPass(ReadOnlySpan<byte> json, bool mayHoldEscapes = true, ReadOnlySpan<int> topLevelMembers = default) =>
        _need.Holds(json, topLevelMembers) || (mayHoldEscapes && json.Contains((byte)'\\'));

    // Whether evaluating the expression gives one boolean or empty, and never fails, on any resource: and/or of such,
    // exists()/empty() of a path, exists(c) and where(c) with such a c, and = or != between a path and a text. FHIRPath
    // fails where a boolean is wanted from two items (a bare path under and, or as a where criterion), and functions
    // that want one item (single(), the string functions) fail on two: any of those leaves the clause whole to the
    // evaluation.
    private static bool CannotFail(Expression expression) => expression switch
    {
        BracketExpression bracket => CannotFail(bracket.Operand),
        BinaryExpression { Op: "and" or "or" } binary => binary.Arguments.All(CannotFail),
        BinaryExpression { Op: "=" or "!=" } binary =>
            binary.Arguments.All(IsPathOrText) && binary.Arguments.Any(a => a is ConstantExpression { Value: string }),
        FunctionCallExpression { FunctionName: "exists" or "empty" } call when !call.Arguments.Any() => IsPathOrText(call.Focus),
        FunctionCallExpression { FunctionName: "exists" } call when call.Arguments.Count() == 1 =>
            IsPathOrText(call.Focus) && CannotFail(call.Arguments.Single()),
        _ => false,
    };

    // A collection that navigation alone makes (elements, where with a criterion that cannot fail), or a text.
    private static bool IsPathOrText(Expression expression) => expression switch
    {
        var focus when JsonPathCompiler.IsFocus(focus) => true,
        ConstantExpression { Value: string } => true,
        BracketExpression bracket => IsPathOrText(bracket.Operand),
        ChildExpression child => child.ChildName.Length > 0 && char.IsLower(child.ChildName[0]) && IsPathOrText(child.Focus),
        FunctionCallExpression { FunctionName: "where" } call when call.Arguments.Count() == 1 =>
            IsPathOrText(call.Focus) && CannotFail(call.Arguments.Single()),
        _ => false,
    };

    // A clause: a boolean the view's where tests on the resource.
    private static Need? Clause(Expression expression, ClassMapping resource) => expression switch
    {
        BracketExpression bracket => Clause(bracket.Operand, resource),
        BinaryExpression { Op: "and" or "or" } binary => Combine(binary, e => Clause(e, resource)),
        FunctionCallExpression { FunctionName: "exists" } call when call.Arguments.Count() == 1 =>
            ItemType(call.Focus, resource) is { } type ? Condition(call.Arguments.Single(), type, TopLevelName(call.Focus)) : null,
        FunctionCallExpression { FunctionName: "exists", Focus: FunctionCallExpression { FunctionName: "where" } where } call
            when !call.Arguments.Any() && where.Arguments.Count() == 1 =>
            ItemType(where.Focus, resource) is { } type ? Condition(where.Arguments.Single(), type, TopLevelName(where.Focus)) : null,
        _ => null,
    };

    // A condition on each item of a where or exists, whose type is itemType, reached through the top-level member
    // named topLevel (null when the items are the resource itself: then the compared element is that member).
    private static Need? Condition(Expression expression, ClassMapping itemType, string? topLevel)
    {
        switch (expression)
        {
            case BracketExpression bracket:
                return Condition(bracket.Operand, itemType, topLevel);
            case BinaryExpression { Op: "and" or "or" } binary:
                return Combine(binary, e => Condition(e, itemType, topLevel));
            case BinaryExpression { Op: "=" } equality:
                var operands = equality.Arguments.ToList();
                return (operands[0], operands[1]) switch
                {
                    (ConstantExpression { Value: string text }, ChildExpression other) when IsStringElement(other, itemType) => Literal.Of(text, topLevel ?? other.ChildName),
                    (ChildExpression other, ConstantExpression { Value: string text }) when IsStringElement(other, itemType) => Literal.Of(text, topLevel ?? other.ChildName),
                    _ => null,
                };
            default:
                return null;
        }
    }

    private static Need? Combine(BinaryExpression binary, Func<Expression, Need?> need)
    {
        var operands = binary.Arguments.ToList();
        var left = need(operands[0]);
        var right = need(operands[1]);
        if (binary.Op == "and")
        {
            return left is null ? right : right is null ? left : new All([left, right]);
        }

        return left is null || right is null ? null : new Any([left, right]);
    }

    // An element of the item (name, or $this.name) whose values are FHIR strings, compared byte for byte when unescaped.
    private static bool IsStringElement(Expression expression, ClassMapping itemType) =>
        expression is ChildExpression child && JsonPathCompiler.IsFocus(child.Focus)
        && JsonModel.Element(itemType, child.ChildName) is { IsChoice: false, IsResource: false, Kind: PathValueKind.String };

    // The first element of a plain path of elements from the resource (code in code.coding), or null for the resource itself.
    private static string? TopLevelName(Expression expression) => expression switch
    {
        ChildExpression child when JsonPathCompiler.IsFocus(child.Focus) => child.ChildName,
        ChildExpression child => TopLevelName(child.Focus),
        _ => null,
    };

    // The type of the items a plain path of elements from the resource gives, or null for anything else.
    private static ClassMapping? ItemType(Expression expression, ClassMapping resource) => expression switch
    {
        var focus when JsonPathCompiler.IsFocus(focus) => resource,
        ChildExpression child when child.ChildName.Length > 0 && char.IsLower(child.ChildName[0])
            && ItemType(child.Focus, resource) is { } parent
            && JsonModel.Element(parent, child.ChildName) is { IsChoice: false, IsResource: false, Type: { } type } => type,
        _ => null,
    };

    private abstract class Need
    {
        public abstract bool Holds(ReadOnlySpan<byte> json, ReadOnlySpan<int> members);
    }

    // The text's UTF-8 bytes, which an unescaped line holds wherever a value is that text, inside the value of the
    // top-level member its path starts from. Searched without the quotes: a malformed value written as a JSON number
    // (72166) still reads as the text "72166".
    private sealed class Literal(string text, byte[] utf8, byte[] topLevel) : Need
    {
        // Text a JSON writer must escape (a quote, a backslash, a control character) never appears unescaped; empty text
        // is in every line.
        public static Literal? Of(string text, string topLevel) =>
            text.Length == 0 || text.Any(c => c is '"' or '\\' || char.IsControl(c) || char.IsSurrogate(c))
                ? null
                : new Literal(text, Encoding.UTF8.GetBytes(text), Encoding.UTF8.GetBytes(topLevel));

        public override bool Holds(ReadOnlySpan<byte> json, ReadOnlySpan<int> members)
        {
            if (members.IsEmpty)
            {
                return json.IndexOf(utf8) >= 0;
            }

            // Every member of the name, should a line write it twice: whichever one the evaluation reads, it is searched.
            for (var m = 0; m + 3 < members.Length; m += 4)
            {
                // The names' lengths first: most members differ in length from the one sought, and that costs no call.
                if (members[m + 1] - members[m] == topLevel.Length
                    && json[members[m]..members[m + 1]].SequenceEqual(topLevel)
                    && json[members[m + 2]..members[m + 3]].IndexOf(utf8) >= 0)
                {
                    return true;
                }
            }

            return false;
        }

        public override string ToString() => $"\"{text}\"";
    }

    private sealed class All(Need[] needs) : Need
    {
        public override bool Holds(ReadOnlySpan<byte> json, ReadOnlySpan<int> members)
        {
            foreach (var need in needs)
            {
                if (!need.Holds(json, members))
                {
                    return false;
                }
            }

            return true;
        }

        public override string ToString() => string.Join(" and ", needs.Select(n => n is Any ? $"({n})" : n.ToString()));
    }

    private sealed class Any(Need[] needs) : Need
    {
        public override bool Holds(ReadOnlySpan<byte> json, ReadOnlySpan<int> members)
        {
            foreach (var need in needs)
            {
                if (need.Holds(json, members))
                {
                    return true;
                }
            }

            return false;
        }

        public override string ToString() => string.Join(" or ", needs.Select(n => n is All ? $"({n})" : n.ToString()));
    }
}
