using System.Text;
using System.Text.Json;
using CsCheck;
using FhirBulk.Views.Definition;
using FhirBulk.Views.FhirPath.Json;
using FhirBulk.Tests.Support;

namespace FhirBulk.Tests.Views.FhirPath.Json;

public class LinePrefilterTests
{
    private const string SmokingStatus = "code.coding.where(system = 'http://loinc.org' and code = '72166-2').exists()";

    [Fact]
    public void For_AClauseThatCanFailBesideOneThatNeedsText_NoTest()
    {
        Assert.Null(LinePrefilter.For(["code.coding.where(code = 'b').exists()", "code.coding.single().exists()"], "Observation"));
    }

    [Fact]
    public void Evaluate_ClauseThatFailsOnAResourceWithoutTheText_FailsThereOnBothEngines()
    {
        var clause = JsonSerializer.Serialize("code.coding.single().exists() and code.coding.where(code = '72166-2').exists()", TestJson.Default.String);
        var view = ViewDefinitionParser.Parse($$"""{"resource":"Observation","where":[{"path":{{clause}}}],"select":[{"column":[{"name":"id","path":"getResourceKey()"}]}]}""");
        var line = Resources.Line("""{"resourceType":"Observation","id":"two","code":{"coding":[{"code":"1"},{"code":"2"}]}}""");

        var (json, firely, _) = EngineDifference.Run(view, [line]);

        Assert.Equal("1: error\n", firely);
        Assert.Equal(firely, json);
    }

    [Fact]
    public void For_WorkshopSmokingStatusClause_NeedsTheSystemAndTheCode()
    {
        var prefilter = LinePrefilter.For([SmokingStatus], "Observation");

        Assert.NotNull(prefilter);
        Assert.Equal("\"http://loinc.org\" and \"72166-2\"", prefilter.Description);
    }

    [Fact]
    public void Compile_WorkshopSmokingStatus_JsonEngineSaysWhatTextItNeedsAndFirelyNone()
    {
        var view = ViewDefinitionParser.Parse($$"""{"resource":"Observation","where":[{"path":{{JsonSerializer.Serialize(SmokingStatus, TestJson.Default.String)}}}],"select":[{"column":[{"name":"id","path":"getResourceKey()"}]}]}""");

        var json = EngineDifference.Compile(view, FhirBulk.Views.FhirPathEngineKind.Json);
        var firely = EngineDifference.Compile(view, FhirBulk.Views.FhirPathEngineKind.Firely);

        Assert.Equal("\"http://loinc.org\" and \"72166-2\"", json.Engine.RequiredText);
        Assert.Equal("json engine; only resources holding \"http://loinc.org\" and \"72166-2\" are evaluated", json.Engine.ToString());
        Assert.Null(firely.Engine.RequiredText);
    }

    [Theory]
    [InlineData("""{"resourceType":"Observation","code":{"coding":[{"system":"http://loinc.org","code":"72166-2"}]}}""", true)]
    [InlineData("""{"resourceType":"Observation","code":{"coding":[{"system":"http://loinc.org","code":"8302-2"}]}}""", false)]
    [InlineData("""{"resourceType":"Observation","code":{"coding":[{"system":"http://snomed.info/sct","code":"72166-2"}]}}""", false)]
    [InlineData("""{"resourceType":"Observation","code":{"coding":[{"system":"http://loinc.org","code":"72166\u002d2"}]}}""", true)]
    [InlineData("""{"resourceType":"Observation","note":[{"text":"a \"quote\""}],"code":{"coding":[{"code":"1"}]}}""", true)]
    public void MayPass_Lines_FalseOnlyWithoutTheTextsAndWithoutEscapes(string json, bool mayPass)
    {
        var prefilter = LinePrefilter.For([SmokingStatus], "Observation")!;

        Assert.Equal(mayPass, prefilter.MayPass(Encoding.UTF8.GetBytes(json)));
    }

    [Theory]
    [InlineData("""{"resourceType":"Observation","category":[{"coding":[{"system":"http://loinc.org","code":"72166-2"}]}],"code":{"coding":[{"system":"http://loinc.org","code":"8302-2"}]}}""", false)]
    [InlineData("""{"resourceType":"Observation","note":[{"text":"72166-2"}],"code":{"coding":[{"system":"http://loinc.org","code":"8302-2"}]}}""", false)]
    [InlineData("""{"resourceType":"Observation","note":[{"text":"8302-2"}],"code":{"coding":[{"system":"http://loinc.org","code":"72166-2"}]}}""", true)]
    [InlineData("""{"resourceType":"Observation","code":{"coding":[{"code":"8302-2"}]},"code":{"coding":[{"system":"http://loinc.org","code":"72166-2"}]}}""", true)]
    [InlineData("""{"resourceType":"Observation","code":{"coding":[{"system":"http://loinc.org","code":"72166-2"}]},"code":{"coding":[{"code":"8302-2"}]}}""", true)]
    public void MayPass_GivenTheTopLevelMembers_SearchesOnlyTheMemberThePathStartsFrom(string json, bool mayPass)
    {
        var prefilter = LinePrefilter.For([SmokingStatus], "Observation")!;
        var line = Encoding.UTF8.GetBytes(json);
        var members = new int[4 * 32];
        Assert.True(FhirBulk.Ndjson.ResourceLineScanner.TryScan(line, out _, members, out var count));

        Assert.Equal(mayPass, prefilter.MayPass(line, mayHoldEscapes: false, members.AsSpan(0, 4 * count)));
        // Without the table, the whole line is searched: the texts are in every one of these lines.
        Assert.True(prefilter.MayPass(line, mayHoldEscapes: false));
    }

    [Fact]
    public void MayPass_AClauseOnTheResourcesOwnElement_SearchesThatMember()
    {
        var prefilter = LinePrefilter.For(["exists(status = 'final')"], "Observation")!;
        var members = new int[4 * 32];
        var final = """{"resourceType":"Observation","status":"final"}"""u8;
        var elsewhere = """{"resourceType":"Observation","status":"amended","note":[{"text":"final"}]}"""u8;

        Assert.True(FhirBulk.Ndjson.ResourceLineScanner.TryScan(final, out _, members, out var count));
        Assert.True(prefilter.MayPass(final, mayHoldEscapes: false, members.AsSpan(0, 4 * count)));
        Assert.True(FhirBulk.Ndjson.ResourceLineScanner.TryScan(elsewhere, out _, members, out count));
        Assert.False(prefilter.MayPass(elsewhere, mayHoldEscapes: false, members.AsSpan(0, 4 * count)));
    }

    [Theory]
    [InlineData("code.coding.where(system = 'a' or code = 'b').exists()", "\"a\" or \"b\"")]
    [InlineData("code.coding.exists(code = 'b')", "\"b\"")]
    [InlineData("code.coding.where(code = 'b' and display.exists()).exists()", "\"b\"")]
    [InlineData("status = 'final' and code.coding.where('b' = code).exists()", "\"b\"")]
    [InlineData("(code.coding.where(code = 'a').exists() or code.coding.where(code = 'b').exists())", "\"a\" or \"b\"")]
    public void For_ClausesWithARequiredLiteral_NeedExactlyThose(string clause, string description)
    {
        Assert.Equal(description, LinePrefilter.For([clause], "Observation")?.Description);
    }

    [Theory]
    [InlineData("status = 'final'")] // not inside where/exists: the resource's own element is left to the evaluation
    [InlineData("code.coding.where(code != 'b').exists()")]
    [InlineData("code.coding.where(code ~ 'b').exists()")]
    [InlineData("code.coding.where(code = 'b').exists().not()")]
    [InlineData("code.coding.where(code = 'b' or display.exists()).exists()")]
    [InlineData("code.coding.where(code.lower() = 'b').exists()")]
    [InlineData("code.coding.where('b' = 'b').exists()")]
    [InlineData("code.coding.where(code = %b).exists()")]
    [InlineData("code.coding.where(code = '').exists()")]
    [InlineData("code.coding.where(version = 1).exists()")]
    [InlineData("value.ofType(CodeableConcept).coding.where(code = 'b').exists()")] // a choice: not a plain path
    [InlineData("subject.where(getReferenceKey(Patient) = 'p1').exists()")]
    [InlineData("code.coding.where(userSelected = 'true').exists()")] // a boolean element
    [InlineData("issued.where($this = '2020-01-01').exists()")]
    [InlineData("code.coding.first().where(code = 'b').exists()")]
    [InlineData("code.coding.where(code = 'a').exists() implies code.coding.where(code = 'b').exists()")]
    [InlineData("code.coding.where(code = 'a').exists() xor code.coding.where(code = 'b').exists()")]
    [InlineData("code.coding.single().exists() and code.coding.where(code = 'b').exists()")] // single() fails on two codings
    [InlineData("code.coding.where(code.startsWith('x') or code = 'b').exists()")] // startsWith fails on two codes
    [InlineData("code.coding.where(display and code = 'b').exists()")] // a text where a boolean is wanted
    [InlineData("code.coding.where(code = 'b').exists() and code.text.length() > 3")]
    public void For_ClausesThatRequireNoLiteral_NoTest(string clause)
    {
        Assert.Null(LinePrefilter.For([clause], "Observation"));
    }

    private static readonly Gen<string> Text = Gen.OneOf("72166-2", "72166-2 ", "72166-", "8302-2", "http://loinc.org", "http://loinc.org/", "HTTP://LOINC.ORG", "é\"q", "");

    // A coding's value as a line may write it: plainly, or (one time in five) with its characters escaped. Any escape
    // lets the whole line through the prefilter, so mostly plain lines are what put its search to the test.
    private static readonly Gen<(string Text, bool Escaped)> Written = Gen.Select(Text, Gen.Int[0, 4].Select(i => i == 0));

    private static readonly Gen<string> Observation =
        Gen.Select(Gen.Select(Written, Written, Text.Null()).Array[0, 3], Text.Null())
        .Select((codings, status) =>
        {
            var coding = new StringBuilder("[");
            foreach (var ((system, escapeSystem), (code, escapeCode), display) in codings)
            {
                coding.Append(coding.Length > 1 ? "," : "")
                    .Append("{\"system\":").Append(Json(system, escapeSystem))
                    .Append(",\"code\":").Append(Json(code, escapeCode));
                if (display is not null)
                {
                    coding.Append(",\"display\":").Append(Json(display, false));
                }

                coding.Append('}');
            }

            var status1 = status is null ? "" : $",\"status\":{Json(status, false)}";
            // The same texts in a member no clause's path starts from: a prefilter that searched there would let the
            // resource through, one that searched only there would turn it down.
            var category = status is null ? "" : $",\"category\":[{{\"coding\":[{{\"system\":\"http://loinc.org\",\"code\":{Json(status, false)}}}]}}]";
            return $"{{\"resourceType\":\"Observation\",\"id\":\"o1\"{status1},\"code\":{{\"coding\":{coding}]}}{category}}}";
        });

    private static readonly Gen<string> Condition = Gen.OneOf(
        "system = 'http://loinc.org' and code = '72166-2'", "code = '72166-2' or code = '8302-2'", "code = '72166-2'",
        "'72166-2' = code", "code = '72166-2' and display.exists()", "code != '72166-2'", "code ~ '72166-2'",
        "system = 'http://loinc.org' and (code = '72166-2' or code = 'é\"q')", "code = ''", "display = '8302-2' or code = '8302-2'");

    private static readonly Gen<string> Clause = Gen.OneOf(
        Condition.Select(c => $"code.coding.where({c}).exists()"),
        Condition.Select(c => $"code.coding.exists({c})"),
        Gen.Select(Condition, Condition).Select((a, b) => $"code.coding.where({a}).exists() and code.coding.where({b}).exists()"),
        Gen.Select(Condition, Condition).Select((a, b) => $"code.coding.where({a}).exists() or code.coding.exists({b})"),
        Gen.Select(Condition, Condition, Gen.OneOf("implies", "xor")).Select((a, b, op) => $"code.coding.where({a}).exists() {op} code.coding.exists({b})"),
        Gen.OneOf("status = '72166-2'", "code.coding.where(code = '72166-2').exists().not()", "code.coding.where(code = '72166-2').empty()"),
        Condition.Select(c => $"code.coding.single().exists() and code.coding.where({c}).exists()"),
        Condition.Select(c => $"code.coding.where(code.startsWith('7') or ({c})).exists()"));

    [Fact]
    public void Evaluate_RandomObservationsAndClauses_SameRowsAsTheFirelyEngine()
    {
        Gen.Select(Observation.Array[1, 4], Clause.Array[1, 2]).Sample((observations, clauses) =>
        {
            var where = string.Join(",", clauses.Select(c => $"{{\"path\":{JsonSerializer.Serialize(c, TestJson.Default.String)}}}"));
            var view = ViewDefinitionParser.Parse($$"""{"resource":"Observation","where":[{{where}}],"select":[{"column":[{"name":"id","path":"getResourceKey()"},{"name":"codes","path":"code.coding.code","collection":true}]}]}""");
            // Read as the view runner reads them, so that the prefilter is given each line's top-level members.
            var lines = Resources.ReadAsTheRunnerDoes(observations);
            var (json, firely, _) = EngineDifference.Run(view, lines);
            Assert.True(firely == json, $"clauses: {string.Join(" ; ", clauses)}\nresources:\n{string.Join("\n", observations)}\nFirely: {firely}JSON: {json}");
        }, iter: 400);
    }

    private static string Json(string text, bool escaped) =>
        escaped ? "\"" + string.Concat(text.Select(c => $"\\u{(int)c:x4}")) + "\"" : JsonSerializer.Serialize(text, TestJson.Unescaped.String);
}
