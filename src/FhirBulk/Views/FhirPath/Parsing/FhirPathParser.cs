using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Hl7.Fhir.Language;
using Hl7.FhirPath.Expressions;
using Expression = Hl7.FhirPath.Expressions.Expression;
using P = Hl7.Fhir.ElementModel.Types;

namespace FhirBulk.Views.FhirPath.Parsing;

/// <summary>
/// A hand-written recursive-descent parser for FHIRPath that builds the same tree Firely's parser builds
/// (<see cref="Hl7.FhirPath.FhirPathCompiler.Parse"/>), without Firely's parser-combinator grammar: setting that grammar
/// up and running it the first time costs about 0.07 CPU-s of each start of <c>fhir-bulk view</c>, mostly in the JIT
/// (docs/benchmarks.md, "Start-up without Firely's model"). It follows FHIRPath's precedence as Firely's grammar does:
/// <c>implies</c> &lt; <c>or</c>/<c>xor</c> &lt; <c>and</c> &lt; <c>in</c>/<c>contains</c> &lt; equality &lt;
/// <c>is</c>/<c>as</c> &lt; ordering &lt; <c>|</c> &lt; additive &lt; multiplicative &lt; polarity &lt; invocation.
/// Where it is not certain to build Firely's tree (comments, <c>&lt;&gt;</c>, escapes in a unit, a number out of
/// range, an operator word glued to a name, anything it does not recognise) it declines, and the caller parses with
/// Firely, which then also gives Firely's error for an invalid expression. <c>FhirPathParserTests</c> compare the two
/// trees over generated expressions.
/// </summary>
internal sealed partial class FhirPathParser
{
    private readonly string _text;
    private int _pos;

    private FhirPathParser(string text) => _text = text;

    /// <summary>Firely's tree for <paramref name="expression"/>, or <see langword="null"/> when this parser declines it.</summary>
    public static Expression? TryParse(string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        try
        {
            var parser = new FhirPathParser(expression);
            var result = parser.Implies();
            parser.SkipSpace();
            return parser._pos == expression.Length ? result : null;
        }
        catch (DeclinedException)
        {
            return null;
        }
    }

    // Thrown inside the parser only, to unwind to TryParse when it declines.
    private sealed class DeclinedException : Exception;

    private static DeclinedException Decline() => new();

    private Expression Implies() => Chain(Or, "implies");

    private Expression Or() => Chain(And, "or", "xor");

    private Expression And() => Chain(Membership, "and");

    private Expression Membership() => Chain(Equality, "in", "contains");

    private Expression Equality() => Chain(TypeOperation, "=", "~", "!=", "!~");

    // Firely allows one is/as after an ordering expression, not a chain of them.
    private Expression TypeOperation()
    {
        var left = Ordering();
        if (Operator("is", "as") is not { } op)
        {
            return left;
        }

        return new BinaryExpression(op, left, new IdentifierExpression(QualifiedIdentifier(), null));
    }

    private Expression Ordering() => Chain(Union, "<=", ">=", "<", ">");

    private Expression Union() => Chain(Additive, "|");

    private Expression Additive() => Chain(Multiplicative, "+", "-", "&");

    private Expression Multiplicative() => Chain(Polarity, "*", "/", "div", "mod");

    private Expression Chain(Func<Expression> operand, params string[] operators)
    {
        var left = operand();
        while (Operator(operators) is { } op)
        {
            left = new BinaryExpression(op, left, operand());
        }

        return left;
    }

    // One optional sign, then an invocation chain (so "--1" is an error, as on Firely).
    private Expression Polarity()
    {
        SkipSpace();
        if (Peek() is '+' or '-')
        {
            var sign = _text[_pos++];
            return new UnaryExpression(sign, Invocations());
        }

        return Invocations();
    }

    private Expression Invocations()
    {
        var focus = Term();
        while (true)
        {
            SkipSpace();
            if (Peek() == '.')
            {
                _pos++;
                SkipSpace();
                focus = Invocation(focus, Identifier() ?? throw Decline());
            }
            else if (Peek() == '[')
            {
                _pos++;
                var index = Implies();
                Expect(']');
                focus = new IndexerExpression(focus, index);
            }
            else
            {
                return focus;
            }
        }
    }

    private Expression Term()
    {
        SkipSpace();
        switch (Peek())
        {
            case '\'':
                return new ConstantExpression(Delimited('\''), TypeSpecifier.String);
            case '@':
                return DateTimeLiteral();
            case >= '0' and <= '9':
                return Number();
            case '%':
                _pos++;
                return Variable(Identifier() ?? (Peek() == '\'' ? Delimited('\'') : throw Decline()));
            case '(':
                _pos++;
                var operand = Implies();
                Expect(')');
                return new BracketExpression(operand, null);
            case '{':
                _pos++;
                Expect('}');
                return NewNodeListInitExpression.Empty;
            case '$':
                return Axis();
        }

        var delimited = Peek() is '`' or '"';
        var name = Identifier() ?? throw Decline();
        if (!delimited && name is "true" or "false")
        {
            return new ConstantExpression(name == "true", TypeSpecifier.Boolean);
        }

        // Firely reads a literal true/false before a name, so "trueValue" is an error there: leave it to Firely.
        if (!delimited && (name.StartsWith("true", StringComparison.Ordinal) || name.StartsWith("false", StringComparison.Ordinal)))
        {
            throw Decline();
        }

        return Invocation(AxisExpression.That, name);
    }

    // name or name(arguments) on focus; is, as and ofType take a type name, not an expression.
    private Expression Invocation(Expression focus, string name)
    {
        SkipSpace();
        if (Peek() != '(')
        {
            return new ChildExpression(focus, name);
        }

        _pos++;
        var arguments = new List<Expression>();
        SkipSpace();
        while (Peek() != ')')
        {
            if (arguments.Count > 0)
            {
                Expect(',');
            }

            arguments.Add(name is "is" or "as" or "ofType" ? new IdentifierExpression(QualifiedIdentifier(), null) : Implies());
            SkipSpace();
        }

        Expect(')');
        return new FunctionCallExpression(focus, name, TypeSpecifier.Any, arguments, null);
    }

    // %ext-… and %vs-… (delimited, as a bare name stops at '-') are Firely's shorthands for core URLs.
    private static Expression Variable(string name) =>
        name.StartsWith("ext-", StringComparison.Ordinal)
            ? new FunctionCallExpression(AxisExpression.That, "builtin.coreexturl", TypeSpecifier.String, new ConstantExpression(name[4..]))
            : name.StartsWith("vs-", StringComparison.Ordinal)
                ? new FunctionCallExpression(AxisExpression.That, "builtin.corevsurl", TypeSpecifier.String, new ConstantExpression(name[3..]))
                : new VariableRefExpression(name, null);

    private Expression Axis()
    {
        _pos++;
        foreach (var axis in (ReadOnlySpan<string>)["this", "index", "total"])
        {
            if (_text.AsSpan(_pos).StartsWith(axis, StringComparison.Ordinal) && !IsNameChar(At(_pos + axis.Length)))
            {
                _pos += axis.Length;
                return new AxisExpression(axis);
            }
        }

        throw Decline();
    }

    // An integer, a decimal, or either with a unit: a quoted UCUM unit or a calendar word (5 days), a Quantity.
    private Expression Number()
    {
        var start = _pos;
        SkipDigits();
        var isDecimal = Peek() == '.' && char.IsAsciiDigit(At(_pos + 1));
        if (isDecimal)
        {
            _pos++;
            SkipDigits();
        }

        var numberEnd = _pos;
        SkipSpace();
        if (Peek() == '\'' || char.IsAsciiLetter(Peek()))
        {
            var unitStart = _pos;
            var quoted = Peek() == '\'';
            if (quoted)
            {
                var close = _text.IndexOf('\'', _pos + 1);
                if (close < 0 || _text.AsSpan(_pos, close - _pos).Contains('\\'))
                {
                    throw Decline();
                }

                _pos = close + 1;
            }
            else
            {
                while (char.IsAsciiLetter(Peek()))
                {
                    _pos++;
                }
            }

            if (P.Quantity.TryParse(_text[start.._pos], out var quantity))
            {
                return new ConstantExpression(quantity, TypeSpecifier.Quantity);
            }

            if (quoted)
            {
                throw Decline();
            }

            // Not a calendar unit (5 and x): the number stands alone and the word is read next.
            _pos = unitStart;
        }

        var digits = _text[start..numberEnd];
        if (isDecimal)
        {
            return new ConstantExpression(decimal.Parse(digits, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture), TypeSpecifier.Decimal);
        }

        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var integer)
            ? new ConstantExpression(integer, TypeSpecifier.Integer)
            : throw Decline();
    }

    // @date, @dateTime (a T, with or without a time) or @Ttime, matched by Firely's own patterns in Firely's order.
    private Expression DateTimeLiteral()
    {
        if (DateTimePattern().Match(_text, _pos) is { Success: true } dateTime)
        {
            _pos += dateTime.Length;
            return new ConstantExpression(P.DateTime.Parse(WithoutBareT(dateTime.Value[1..])), TypeSpecifier.DateTime);
        }

        if (DatePattern().Match(_text, _pos) is { Success: true } date)
        {
            _pos += date.Length;
            return new ConstantExpression(P.Date.Parse(date.Value[1..]), TypeSpecifier.Date);
        }

        if (TimePattern().Match(_text, _pos) is { Success: true } time)
        {
            _pos += time.Length;
            return new ConstantExpression(P.Time.Parse(time.Value[2..]), TypeSpecifier.Time);
        }

        throw Decline();
    }

    // The T of @2020-01T or @2020-01-01T+02:00 only marks a dateTime; with no time after it, it is not part of the value.
    private static string WithoutBareT(string literal)
    {
        var t = literal.IndexOf('T', StringComparison.Ordinal);
        return t >= 0 && (t == literal.Length - 1 || literal[t + 1] is 'Z' or '+' or '-') ? literal.Remove(t, 1) : literal;
    }

    private const string TimeFormat = @"([0-9][0-9](:[0-9][0-9](:[0-9][0-9](\.[0-9]+)?)?)?)";

    [GeneratedRegex(@"\G@[0-9]{4}((-([0-9][0-9])((-([0-9][0-9])(T" + TimeFormat + @"?))|T))|T)(Z|((\+|-)[0-9][0-9]:[0-9][0-9]))?")]
    private static partial Regex DateTimePattern();

    [GeneratedRegex(@"\G@[0-9]{4}(-([0-9][0-9])(-([0-9][0-9]))?)?")]
    private static partial Regex DatePattern();

    [GeneratedRegex(@"\G@T" + TimeFormat)]
    private static partial Regex TimePattern();

    // A plain identifier, or one delimited by backticks (or double quotes, which Firely still accepts); null if none.
    private string? Identifier()
    {
        var c = Peek();
        if (c is '`' or '"')
        {
            var name = Delimited(c);
            return name.Length > 0 ? name : throw Decline();
        }

        if (!char.IsAsciiLetter(c) && c != '_')
        {
            return null;
        }

        var start = _pos;
        while (IsNameChar(Peek()))
        {
            _pos++;
        }

        return _text[start.._pos];
    }

    private string QualifiedIdentifier()
    {
        SkipSpace();
        var name = Identifier() ?? throw Decline();
        while (Peek() == '.')
        {
            _pos++;
            name += "." + (Identifier() ?? throw Decline());
        }

        return name;
    }

    // A string or delimited identifier with FHIRPath's escapes (\', \", \`, \\, \/, \f, \n, \r, \t, \uXXXX).
    private string Delimited(char delimiter)
    {
        _pos++;
        var text = new StringBuilder();
        while (true)
        {
            if (_pos >= _text.Length)
            {
                throw Decline();
            }

            var c = _text[_pos++];
            if (c == delimiter)
            {
                return text.ToString();
            }

            if (c != '\\')
            {
                text.Append(c);
                continue;
            }

            var escaped = At(_pos++);
            text.Append(escaped switch
            {
                '\'' or '"' or '`' or '\\' or '/' => escaped,
                'f' => '\f',
                'n' => '\n',
                'r' => '\r',
                't' => '\t',
                'u' when _pos + 4 <= _text.Length && int.TryParse(_text.AsSpan(_pos, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code)
                    => (char)code,
                _ => throw Decline(),
            });
            if (escaped == 'u')
            {
                _pos += 4;
            }
        }
    }

    // The first of the operators that comes next (longest written first by the callers); a word operator must end
    // where a name would, and one glued to a name ("a order") is left to Firely.
    private string? Operator(params string[] operators)
    {
        SkipSpace();
        foreach (var op in operators)
        {
            if (!_text.AsSpan(_pos).StartsWith(op, StringComparison.Ordinal))
            {
                continue;
            }

            var end = _pos + op.Length;
            if (char.IsAsciiLetter(op[0]) && IsNameChar(At(end)))
            {
                throw Decline();
            }

            // "<" must not take the first half of "<>", nor "!" of anything else; both are left to Firely.
            if (op == "<" && At(end) == '>')
            {
                throw Decline();
            }

            _pos = end;
            return op;
        }

        return null;
    }

    private void Expect(char c)
    {
        SkipSpace();
        if (Peek() != c)
        {
            throw Decline();
        }

        _pos++;
    }

    private void SkipSpace()
    {
        while (_pos < _text.Length && char.IsWhiteSpace(_text[_pos]))
        {
            _pos++;
        }

        // Comments are rare in views and Firely skips them in some places only: leave them to Firely.
        if (Peek() == '/' && At(_pos + 1) is '/' or '*')
        {
            throw Decline();
        }
    }

    private void SkipDigits()
    {
        while (char.IsAsciiDigit(Peek()))
        {
            _pos++;
        }
    }

    private char Peek() => At(_pos);

    private char At(int index) => index < _text.Length ? _text[index] : '\0';

    private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';
}
