using FhirBulk.Views;
using FhirBulk.Views.Definition;
using FhirBulk.Views.FhirPath;
using FhirBulk.Tests.Support;

namespace FhirBulk.Tests.Views.FhirPath;

/// <summary>
/// Issue 11, item 6 on the Firely path: a non-iterating function's arguments are evaluated
/// against the expression's context, not against the function's input. The issue's own cases (in a column and in
/// a view <c>where</c>) are in <see cref="FhirPathSpecCases"/>, checked on both engines; these are the rest of the kind.
/// </summary>
public class FirelyArgumentContextTests
{
    private const string Patient = """
        {"resourceType":"Patient","id":"p1","gender":"male","birthDate":"1970-06-02",
         "name":[{"family":"Ito","given":["Ken"]},{"family":"Abe"}]}
        """;

    private static object? Column(string path, bool collection = false)
    {
        var json = $$"""{"resource":"Patient","select":[{"column":[{"name":"c","path":{{System.Text.Json.JsonSerializer.Serialize(path, TestJson.Default.String)}},"collection":{{(collection ? "true" : "false")}}}]}]}""";
        var view = ViewDefinitionParser.Parse(json);
        var rows = ViewDefinitionCompiler.Compile(view, new FirelyPathEngine(view.Constants), null).Rows([Resources.Line(Patient)]);
        return Assert.Single(rows)[0];
    }

    [Theory]
    [InlineData("gender.union(name.family).count()", 3)]
    [InlineData("gender.exclude(name.family).count()", 1)]
    [InlineData("'xItoy'.indexOf(name.first().family)", 1)]
    [InlineData("'xItoy'.indexOf(name.first().family + '')", 1)]
    [InlineData("name.family.skip(name.count() - 1).count()", 1)]
    public void Evaluate_IntegerResultOfArgumentFromTheResource(string path, int expected) =>
        Assert.Equal(expected, Convert.ToInt32(Column(path), System.Globalization.CultureInfo.InvariantCulture));

    [Theory]
    [InlineData("'abcdef'.substring(1, name.count())", "bc")]
    [InlineData("'a-male'.replace(gender, 'x')", "a-x")]
    [InlineData("name.family.join(gender)", "ItomaleAbe")]
    [InlineData("birthDate.toString().substring(0, name.count() + 2)", "1970")]
    [InlineData("iif(gender = 'male', name.first().family, 'no')", "Ito")]
    [InlineData("name.first().iif(family.exists(), family, 'none')", "Ito")]
    [InlineData("name.where(given.combine(family).count() = 2).family", "Ito")]
    [InlineData("name.select(family.combine(given).count().toString()).join(',')", "2,1")]
    public void Evaluate_StringResultOfArgumentFromTheResource(string path, string expected) =>
        Assert.Equal(expected, Column(path));

    [Theory]
    [InlineData("'malex'.startsWith(gender)")]
    [InlineData("'xmale'.endsWith(gender)")]
    [InlineData("'amalez'.contains(gender)")]
    [InlineData("'male'.matches(gender)")]
    [InlineData("name.exists(family = 'Abe')")]
    [InlineData("name.all(family.exists())")]
    [InlineData("gender.combine(name.family).subsetOf(name.family | gender)")]
    public void Evaluate_BooleanOfArgumentFromTheResource_IsTrue(string path) =>
        Assert.Equal(true, Column(path));

    [Theory]
    [InlineData("name.select(given.count())", new object[] { 1, 0 })]
    [InlineData("name.repeat(given)", new object[] { "Ken" })]
    [InlineData("name.aggregate($total + given.count(), 0)", new object[] { 1 })]
    [InlineData("name.where($this.family = 'Abe').family", new object[] { "Abe" })]
    [InlineData("name.select($this.family.combine(given))", new object[] { "Ito", "Ken", "Abe" })]
    public void Evaluate_IteratingFunctions_StillEvaluateTheirArgumentsPerItem(string path, object[] expected) =>
        Assert.Equal(expected, Assert.IsType<IReadOnlyList<object?>>(Column(path, collection: true), exactMatch: false).Select(v => v is long l ? (int)l : v));

    [Fact]
    public void Evaluate_ArgumentInsideForEach_ReadsTheForEachItem()
    {
        var view = ViewDefinitionParser.Parse("""
            {"resource":"Patient","select":[{"forEach":"name","column":[{"name":"c","path":"'abcdef'.substring(given.count())"}]}]}
            """);

        var rows = ViewDefinitionCompiler.Compile(view, new FirelyPathEngine(view.Constants), null).Rows([Resources.Line(Patient)]);

        Assert.Equal(["bcdef", "abcdef"], rows.Select(r => r[0]));
    }
}
