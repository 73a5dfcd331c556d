using Hl7.FhirPath.Expressions;
using Expression = Hl7.FhirPath.Expressions.Expression;

namespace FhirBulk.Views.FhirPath;

/// <summary>
/// Rewrites a parsed expression before Firely compiles it, where Firely's evaluator departs from
/// FHIRPath:
/// <list type="bullet">
/// <item>
/// Arguments from the right context. An element name with no focus (<c>name</c> in
/// <c>'x'.indexOf(name.first().family)</c>) reads Firely's <c>$that</c>, which is the expression's
/// <c>$this</c> everywhere except in the arguments of an overloaded function or operator (its
/// dynamic dispatcher sets <c>$that</c> to the function's input). Naming <c>$this</c> instead is
/// what FHIRPath means and the same thing wherever Firely was already right: the iterating
/// functions (<c>where</c>, <c>select</c>, <c>all</c>, <c>exists</c>, <c>repeat</c>,
/// <c>aggregate</c>) set <c>$this</c> to each item.
/// </item>
/// <item>
/// Quantity comparison and equality with unit conversion: <c>=</c>, <c>!=</c>, <c>~</c>,
/// <c>!~</c>, <c>&lt;</c>, <c>&lt;=</c>, <c>&gt;</c>, <c>&gt;=</c> become the operators
/// <see cref="SqlOnFhirSymbols"/> adds, which compare quantities through
/// <see cref="QuantityComparison"/> and leave every other operand to Firely.
/// </item>
/// </list>
/// Only the compiled tree is rewritten; the shape analysis and <see cref="SimplePath"/> read the
/// parsed one.
/// </summary>
internal static class FirelyRewriter
{
    /// <summary>The prefix of the quantity-aware operators: <c>=</c> becomes <c>quantity=</c>.</summary>
    public const string QuantityOperatorPrefix = "quantity";

    private static readonly HashSet<string> ComparisonOperators = ["=", "!=", "~", "!~", "<", "<=", ">", ">="];

    public static Expression Rewrite(Expression expression) => expression switch
    {
        AxisExpression { AxisName: "that" } => AxisExpression.This,
        // The operands are the arguments (Firely's Left is the operator's implicit focus).
        BinaryExpression binary when binary.Arguments.ToList() is [var left, var right] => new BinaryExpression(
            ComparisonOperators.Contains(binary.Op) ? QuantityOperatorPrefix + binary.Op : binary.Op,
            Rewrite(left),
            Rewrite(right),
            binary.Location),
        UnaryExpression unary when unary.Arguments.ToList() is [var operand] => new UnaryExpression(unary.Op, Rewrite(operand), unary.Location),
        ChildExpression child => new ChildExpression(Rewrite(child.Focus), child.ChildName, child.Location),
        IndexerExpression indexer => new IndexerExpression(Rewrite(indexer.Focus), Rewrite(indexer.Index), indexer.Location),
        FunctionCallExpression call => new FunctionCallExpression(
            call.Focus is null ? null : Rewrite(call.Focus),
            call.FunctionName,
            call.ExpressionType,
            call.Arguments.Select(Rewrite).ToList(),
            call.Location),
        BracketExpression bracket => new BracketExpression(Rewrite(bracket.Operand), bracket.Location),
        NewNodeListInitExpression list => new NewNodeListInitExpression(list.Contents.Select(Rewrite).ToList(), list.Location),
        _ => expression,
    };
}
