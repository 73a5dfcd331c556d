using Hl7.FhirPath.Expressions;
using Expression = Hl7.FhirPath.Expressions.Expression;

namespace FhirBulk.Views.FhirPath;

/// <summary>
/// Rewrites a parsed expression before Firely compiles it so that Quantity comparison and
/// equality convert units: <c>=</c>, <c>!=</c>, <c>~</c>, <c>!~</c>, <c>&lt;</c>, <c>&lt;=</c>,
/// <c>&gt;</c>, <c>&gt;=</c> become the operators <see cref="SqlOnFhirSymbols"/> adds, which
/// compare two quantities through <see cref="QuantityComparison"/> and leave every other operand
/// to Firely's own operators. (Firely's symbol table cannot replace an entry, and a second entry
/// of the same name would send every comparison through its dynamic dispatcher.) Only the
/// compiled tree is rewritten; the shape analysis and <see cref="SimplePath"/> read the parsed one.
/// </summary>
internal static class FirelyRewriter
{
    /// <summary>The prefix of the quantity-aware operators: <c>=</c> becomes <c>quantity=</c>.</summary>
    public const string QuantityOperatorPrefix = "quantity";

    private static readonly HashSet<string> ComparisonOperators = ["=", "!=", "~", "!~", "<", "<=", ">", ">="];

    public static Expression Rewrite(Expression expression) => expression switch
    {
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
