using FhirBulk.Views;
using FhirBulk.Views.Definition;

namespace FhirBulk.Tests.Views.FhirPath.Json;

/// <summary>
/// An expression the JSON engine lacks is evaluated by Firely, alone: the view stays on the JSON engine, gives the rows
/// the Firely engine gives, and names exactly that expression (issue 11 item 1).
/// </summary>
public class FirelyFallbackTests
{
    private const string Patient = """
        {"resourceType":"Patient","id":"p","gender":"female","birthDate":"1970-03-04",
         "_birthDate":{"extension":[{"url":"http://e/t","valueTime":"10:30"}]},
         "name":[{"use":"official","family":"Ito","given":["Aki","Mei"]},
                 {"family":"Abe","given":["Ken"],"_given":[{"extension":[{"url":"http://e/n","valueString":"nick"}]}]}],
         "telecom":[{"system":"phone","value":"555"}]}
        """;

    private static readonly string Male = Patient.Replace("\"female\"", "\"male\"", StringComparison.Ordinal).Replace("\"p\"", "\"q\"", StringComparison.Ordinal);

    // The view as JSON text; each case names the expressions the JSON engine must leave to Firely.
    public static TheoryData<string, string[]> MixedViews() => new()
    {
        {
            """{"resource":"Patient","select":[{"column":[{"name":"id","path":"getResourceKey()"},{"name":"n","path":"descendants().count()"},{"name":"g","path":"gender"}]}]}""",
            ["select[0].column[1].path"]
        },
        {
            // Firely's results (whole HumanNames) are navigated further by the JSON engine.
            """{"resource":"Patient","select":[{"forEach":"Patient.name","column":[{"name":"family","path":"family"},{"name":"given","path":"given","collection":true}]}]}""",
            ["select[0].forEach"]
        },
        {
            // A focus below the resource (a forEach item) is handed to Firely; %rowIndex goes with it.
            """{"resource":"Patient","select":[{"forEach":"name","column":[{"name":"family","path":"family"},{"name":"more","path":"given.count() - 1"},{"name":"i","path":"%rowIndex + 1"}]}]}""",
            ["select[0].column[1].path", "select[0].column[2].path"]
        },
        {
            // Primitive items, one with an extension in its _given twin, go to Firely and back.
            """{"resource":"Patient","select":[{"forEach":"name.given","column":[{"name":"given","path":"$this"},{"name":"shorter","path":"length() - 1"},{"name":"nick","path":"extension('http://e/n').value.ofType(string)"}]}]}""",
            ["select[0].column[1].path"]
        },
        {
            // A primitive from Firely keeps its _x twin: the JSON engine reads its extension.
            """{"resource":"Patient","select":[{"forEach":"Patient.birthDate","column":[{"name":"born","path":"$this"},{"name":"at","path":"extension('http://e/t').value.ofType(time)"}]}]}""",
            ["select[0].forEach"]
        },
        {
            // A code from Firely (a Code<AdministrativeGender> there) comes back typed as code.
            """{"resource":"Patient","select":[{"forEach":"Patient.gender","column":[{"name":"g","path":"$this"},{"name":"is_code","path":"ofType(code).exists()"}]}]}""",
            ["select[0].forEach"]
        },
        {
            """{"resource":"Patient","where":[{"path":"Patient.gender = 'female'"}],"select":[{"column":[{"name":"id","path":"getResourceKey()"},{"name":"phone","path":"telecom.where(system = 'phone').value"}]}]}""",
            ["where[0].path"]
        },
    };

    [Theory]
    [MemberData(nameof(MixedViews))]
    public void Evaluate_ViewMixingCoveredAndUncoveredExpressions_SameRowsAsFirelyAndNamesOnlyTheUncovered(string json, string[] fallenBack)
    {
        var view = ViewDefinitionParser.Parse(json);

        var (rows, firelyRows, choice) = EngineDifference.Run(view, [Resources.Line(Patient), Resources.Line(Male, 2)]);

        Assert.Equal(firelyRows, rows);
        Assert.NotEqual("", rows);
        Assert.Equal(FhirPathEngineKind.Json, choice.Engine);
        Assert.Equal(fallenBack, choice.Fallbacks.Select(f => f.ElementPath));
        Assert.All(choice.Fallbacks, f => Assert.EndsWith("is not on the JSON path", f.Reason, StringComparison.Ordinal));
    }

    [Fact]
    public void Compile_UncoveredColumn_ExplainedAsThatExpressionAndWhy()
    {
        var view = ViewDefinitionCompiler.Compile(ViewDefinitionParser.Parse(
            """{"name":"x","resource":"Patient","select":[{"column":[{"name":"g","path":"gender"},{"name":"n","path":"descendants().count()"}]}]}"""));

        Assert.Equal(
            "json engine; Firely evaluates select[0].column[1].path (function 'descendants' with 0 argument(s) is not on the JSON path): descendants().count()",
            view.Engine.ToString());
        Assert.Equal(new ExpressionFallback("select[0].column[1].path", "descendants().count()", "function 'descendants' with 0 argument(s) is not on the JSON path"), Assert.Single(view.Engine.Fallbacks));
    }

    [Fact]
    public void Compile_EveryExpressionCovered_NoFallback()
    {
        var view = ViewDefinitionCompiler.Compile(ViewDefinitionParser.Parse("""{"resource":"Patient","select":[{"column":[{"name":"g","path":"gender"}]}]}"""));

        Assert.Equal("json engine", view.Engine.ToString());
        Assert.Empty(view.Engine.Fallbacks);
    }

    // Several views of one type share the Firely reading of a resource; each still gets its own rows.
    [SharedFact]
    public void Evaluate_SyntheaViewsWithFallbacksCompiledTogether_SameRowsAsFirely()
    {
        ViewDefinition[] views =
        [
            ViewDefinitionParser.Parse("""{"name":"a","resource":"Patient","select":[{"column":[{"name":"id","path":"getResourceKey()"},{"name":"more","path":"name.given.count() - 1"}]},{"forEach":"Patient.address","column":[{"name":"city","path":"city"},{"name":"lines","path":"line.count() * 2"}]}]}"""),
            ViewDefinitionParser.Parse("""{"name":"b","resource":"Patient","where":[{"path":"Patient.active.exists().not()"}],"select":[{"forEach":"name","column":[{"name":"family","path":"family"},{"name":"first","path":"given.first().length() + 0"}]}]}"""),
        ];
        var lines = Resources.Synthea("Patient").ToList();

        var json = ViewDefinitionCompiler.CompileAll(views);
        var firely = ViewDefinitionCompiler.CompileAll(views, new ViewCompilerOptions { Engine = FhirPathEngineKind.Firely });

        for (var i = 0; i < views.Length; i++)
        {
            Assert.NotEmpty(json[i].Engine.Fallbacks);
            Assert.Equal(EngineDifference.Describe(firely[i], lines), EngineDifference.Describe(json[i], lines));
        }
    }
}
