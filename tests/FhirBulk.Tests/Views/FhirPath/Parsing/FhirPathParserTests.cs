using System.Text;
using System.Text.Json;
using CsCheck;
using FhirBulk.Views.FhirPath.Parsing;
using Hl7.FhirPath;
using Hl7.FhirPath.Expressions;

namespace FhirBulk.Tests.Views.FhirPath.Parsing;

public class FhirPathParserTests
{
    private static readonly FhirPathCompiler Firely = new();

    [Theory]
    [InlineData("name.given")]
    [InlineData("name.where(use = 'official').first().given.join(' ')")]
    [InlineData("a is Patient")]
    [InlineData("a as FHIR.Quantity")]
    [InlineData("value.ofType(Quantity).value")]
    [InlineData("a.is(Patient) and b.as(`Quantity`).exists()")]
    [InlineData("-5 'mg'")]
    [InlineData("5 days + 1 'a' - 3 year")]
    [InlineData("1.0 'mg' = 0.001 'g'")]
    [InlineData("5 and x")]
    [InlineData("%`a b` | %'c' | %resource | %`ext-foo` | %'vs-bar'")]
    [InlineData("$this.a[0] | $index | $total")]
    [InlineData("a and b or c implies d xor e")]
    [InlineData("-a.b * +c div 2 mod 3 / 4.50")]
    [InlineData("@2020-01T = @2020-01-01T10:00:00.123+02:00 and @2020 < @2021-02-03 and @T12:30 > @T01")]
    [InlineData("@2020-01-01TZ ~ @2020T")]
    [InlineData("{}.empty() and ({ }).exists()")]
    [InlineData("Patient.name")]
    [InlineData("'a\\u0041\\n\\'\\\\\\/\\f\\r\\t`\"'")]
    [InlineData("`div`.x.`given name`")]
    [InlineData("a - -1 & 'x' in b contains c != d !~ e >= f <= g > h < i")]
    [InlineData("iif(a, b, c).substring(1, 2) | a.b(c.d(), (e), -f)[g]")]
    [InlineData("(1 + 2) * 3 = 9 is Boolean")]
    [InlineData("true and false or truth")]
    [InlineData("  name . given [ 0 ] . first ( ) ")]
    [InlineData("1.abs() + 007")]
    public void TryParse_BuildsFirelysTree(string expression) =>
        Assert.Equal(Print(Firely.Parse(expression)), Print(FhirPathParser.TryParse(expression) ?? throw new Xunit.Sdk.XunitException("declined")));

    [Theory]
    [InlineData("5L")]
    [InlineData("2147483648")]
    [InlineData("a <> b")]
    [InlineData("a // comment")]
    [InlineData("a /* c */ = b")]
    [InlineData("trueValue")]
    [InlineData("a order b")]
    [InlineData("'unterminated")]
    [InlineData("'bad \\x escape'")]
    [InlineData("$thisX")]
    [InlineData("a.")]
    [InlineData("f(a,)")]
    [InlineData("--1")]
    [InlineData("nomé")]
    [InlineData("")]
    public void TryParse_WhatItIsNotSureOf_Declines(string expression) =>
        Assert.Null(FhirPathParser.TryParse(expression));

    [SharedFact]
    public void TryParse_EveryPathOfTheOfficialSuiteAndTheWorkshopViews_BuildsFirelysTree()
    {
        var expressions = Directory.EnumerateFiles(SharedData.Path("sql-on-fhir-v2", "tests"), "*.json")
            .Concat(Directory.EnumerateFiles(Repository("examples", "workshop", "views"), "*.json"))
            .SelectMany(file => Paths(JsonDocument.Parse(File.ReadAllText(file)).RootElement))
            .Distinct()
            .ToList();
        Assert.True(expressions.Count > 100, $"only {expressions.Count} expressions found");

        var declined = new List<string>();
        foreach (var expression in expressions)
        {
            Expression firely;
            try
            {
                firely = Firely.Parse(expression);
            }
            catch (FormatException)
            {
                Assert.Null(FhirPathParser.TryParse(expression));
                continue;
            }

            if (FhirPathParser.TryParse(expression) is { } ours)
            {
                Assert.Equal(Print(firely), Print(ours));
            }
            else
            {
                declined.Add(expression);
            }
        }

        Assert.Empty(declined);
    }

    [Fact]
    public void TryParse_GeneratedExpressions_BuildFirelysTree()
    {
        Gen<string> name = Gen.OneOf(Gen.Const("name"), Gen.Const("given"), Gen.Const("value"), Gen.Const("_x1"), Gen.Const("`a b`"), Gen.Const("is"), Gen.Const("div"));
        Gen<string> literal = Gen.OneOf(
            Gen.Int[0, 1000].Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            Gen.Decimal[0m, 1000m].Select(d => Math.Round(d, 3).ToString("0.0##", System.Globalization.CultureInfo.InvariantCulture)),
            Gen.OneOf(Gen.Const("'a'"), Gen.Const("'it\\'s'"), Gen.Const("''"), Gen.Const("'\\u00e9\\n'")),
            Gen.OneOf(Gen.Const("true"), Gen.Const("false")),
            Gen.OneOf(Gen.Const("@2020"), Gen.Const("@2020-01-02"), Gen.Const("@2020-01-02T03:04:05.6Z"), Gen.Const("@T10:00"), Gen.Const("@2020T")),
            Gen.Select(Gen.Int[1, 99], Gen.OneOf(Gen.Const("'mg'"), Gen.Const("days"), Gen.Const("'1'"), Gen.Const("year"))).Select((n, u) => $"{n} {u}"),
            Gen.OneOf(Gen.Const("%resource"), Gen.Const("%`my var`"), Gen.Const("$this"), Gen.Const("$index"), Gen.Const("{}")));
        Gen<string> binary = Gen.OneOf(
            new[] { "implies", "or", "xor", "and", "in", "contains", "=", "~", "!=", "!~", "<", "<=", ">", ">=", "|", "+", "-", "&", "*", "/", "div", "mod" }
                .Select(Gen.Const).ToArray());
        var expression = Gen.Recursive<string>((depth, self) => depth >= 3
            ? Gen.OneOf(name, literal)
            : Gen.Frequency(
                (3, Gen.OneOf(name, literal)),
                (2, Gen.Select(self, name).Select((e, n) => $"{e}.{n}")),
                (2, Gen.Select(self, Gen.OneOf(Gen.Const("where"), Gen.Const("iif"), Gen.Const("exists")), self.Array[0, 3])
                    .Select((e, f, args) => $"{e}.{f}({string.Join(", ", args)})")),
                (1, Gen.Select(self, Gen.OneOf(Gen.Const("ofType"), Gen.Const("is"), Gen.Const("as")), Gen.OneOf(Gen.Const("Quantity"), Gen.Const("FHIR.string")))
                    .Select((e, f, t) => $"{e}.{f}({t})")),
                (1, Gen.Select(self, Gen.OneOf(Gen.Const("is"), Gen.Const("as")), Gen.OneOf(Gen.Const("Quantity"), Gen.Const("System.Boolean")))
                    .Select((e, op, t) => $"{e} {op} {t}")),
                (3, Gen.Select(self, binary, self).Select((a, op, b) => $"{a} {op} {b}")),
                (1, Gen.Select(self, self).Select((a, i) => $"{a}[{i}]")),
                (1, self.Select(e => $"({e})")),
                (1, Gen.Select(Gen.OneOf(Gen.Const("-"), Gen.Const("+")), self).Select((s, e) => $"{s}{e}"))));

        expression.Sample(text =>
        {
            Expression firely;
            try
            {
                firely = Firely.Parse(text);
            }
            catch (Exception e) when (e is FormatException or OverflowException)
            {
                Assert.Null(FhirPathParser.TryParse(text));
                return;
            }

            var ours = FhirPathParser.TryParse(text);
            Assert.True(ours is not null, $"declined: {text}");
            Assert.Equal(Print(firely), Print(ours));
        }, iter: 2000);
    }

    // The tree as text: each node's kind and what it carries; IdentifierExpression counts as the constant it is.
    private static string Print(Expression expression)
    {
        var text = new StringBuilder();
        Print(expression, text);
        return text.ToString();
    }

    private static void Print(Expression expression, StringBuilder text)
    {
        switch (expression)
        {
            case AxisExpression axis:
                text.Append("$").Append(axis.AxisName);
                break;
            case VariableRefExpression variable:
                text.Append('%').Append(variable.Name);
                break;
            case ConstantExpression constant:
                text.Append(expression.GetType().Name).Append('<').Append(constant.Value?.GetType().Name).Append(' ')
                    .Append(constant.ExpressionType).Append(">'").Append(constant.Value).Append('\'');
                break;
            case ChildExpression child:
                Print(child.Focus, text);
                text.Append(".child[").Append(child.ChildName).Append(']');
                break;
            case BracketExpression bracket:
                text.Append("bracket(");
                Print(bracket.Operand, text);
                text.Append(')');
                break;
            case NewNodeListInitExpression list:
                text.Append("{").Append(list.Contents.Count()).Append('}');
                break;
            case FunctionCallExpression call:
                text.Append(expression.GetType().Name).Append(' ').Append(call.FunctionName).Append('(');
                if (call.Focus is not null)
                {
                    Print(call.Focus, text);
                }

                foreach (var argument in call.Arguments)
                {
                    text.Append(", ");
                    Print(argument, text);
                }

                text.Append(')');
                break;
            default:
                text.Append(expression.GetType().Name);
                break;
        }
    }

    private static IEnumerable<string> Paths(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (property.Name is "path" or "forEach" or "forEachOrNull" or "repeat" && property.Value.ValueKind == JsonValueKind.String)
                {
                    yield return property.Value.GetString()!;
                }

                foreach (var path in Paths(property.Value))
                {
                    yield return path;
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var path in element.EnumerateArray().SelectMany(Paths))
            {
                yield return path;
            }
        }
    }

    private static string Repository(params string[] parts)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(dir!.FullName, "FhirBulk.slnx")))
        {
            dir = dir.Parent;
        }

        return Path.Combine([dir.FullName, .. parts]);
    }
}
