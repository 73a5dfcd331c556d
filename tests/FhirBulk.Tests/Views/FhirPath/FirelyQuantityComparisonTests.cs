using FhirBulk.Views;
using FhirBulk.Views.Definition;
using FhirBulk.Views.FhirPath;
using FhirBulk.Tests.Support;

namespace FhirBulk.Tests.Views.FhirPath;

/// <summary>
/// Cross-unit Quantity comparison and equality on the Firely path, in columns and in <c>where</c>. The issue's own cases
/// are in <see cref="FhirPathSpecCases"/>, checked on both engines; these are the rest.
/// </summary>
public class FirelyQuantityComparisonTests
{
    private const string Observation = """
        {"resourceType":"Observation","id":"o1","status":"final","code":{"text":"weight"},
         "valueQuantity":{"value":5,"unit":"mg","system":"http://unitsofmeasure.org","code":"mg"}}
        """;

    private static List<object?[]> Rows(string json) =>
        ViewDefinitionCompiler.Compile(ViewDefinitionParser.Parse(json), new FirelyPathEngine([]), null).Rows([Resources.Line(Observation)]);

    private static object? Column(string path) =>
        Assert.Single(Rows($$"""{"resource":"Observation","select":[{"column":[{"name":"c","path":{{System.Text.Json.JsonSerializer.Serialize(path, TestJson.Default.String)}}}]}]}"""))[0];

    [Theory]
    [InlineData("1 'm' != 101 'cm'")]
    [InlineData("60 's' <= 1 'min'")]
    [InlineData("7 days = 1 week")]
    [InlineData("7 days = 1 'wk'")]
    [InlineData("1 second = 1 's'")]
    [InlineData("4 'g' ~ 4040 'mg'")]
    [InlineData("1 year ~ 1 'a'")]
    [InlineData("5 'mg' !~ 6 'mg'")]
    [InlineData("value.ofType(Quantity) = 0.005 'g'")]
    [InlineData("value.ofType(Quantity) > 4999 'ug'")]
    [InlineData("value.ofType(Quantity) < 1 'g'")]
    [InlineData("value.ofType(Quantity) ~ 0.005 'g'")]
    [InlineData("(5 'mg' | 6 'mg') = (0.005 'g' | 0.006 'g')")]
    [InlineData("(5 'mg' | 'a') = (0.005 'g' | 'a')")]
    [InlineData("(5 'mg' | 6 'mg') != (0.006 'g' | 0.005 'g')")]
    public void Evaluate_CrossUnitComparisonInAColumn_IsTrue(string path) =>
        Assert.Equal(true, Column(path));

    [Theory]
    [InlineData("1 year = 1 'a'")]
    [InlineData("1 year = 12 months")]
    [InlineData("1 'g' = 1 'm'")]
    [InlineData("1 'g' < 1 'm'")]
    [InlineData("value.ofType(Quantity) > 1 'm'")]
    [InlineData("(5 'mg' | 6 'mg') = (0.005 'g' | 6 'm')")]
    public void Evaluate_IncomparableQuantitiesInAColumn_IsEmpty(string path) =>
        Assert.Null(Column(path));

    [Fact]
    public void Evaluate_IncomparableQuantitiesAreNotEquivalent() =>
        Assert.Equal(false, Column("1 'g' ~ 1 'm'"));

    [Theory]
    [InlineData("value.ofType(Quantity) = 0.005 'g'", true)]
    [InlineData("value.ofType(Quantity) > 1 'min'", false)]
    [InlineData("value.ofType(Quantity) >= 0.004 'g' and value.ofType(Quantity) < 6000 'ug'", true)]
    public void Evaluate_CrossUnitComparisonInWhere_FiltersByConvertedValue(string path, bool kept)
    {
        var rows = Rows($$"""{"resource":"Observation","select":[{"column":[{"name":"id","path":"id"}]}],"where":[{"path":{{System.Text.Json.JsonSerializer.Serialize(path, TestJson.Default.String)}}}]}""");

        Assert.Equal(kept ? 1 : 0, rows.Count);
    }

    [Theory]
    [InlineData("1 = 1", true)]
    [InlineData("'a' = 'a'", true)]
    [InlineData("@2012 = @2012-01", null)]
    [InlineData("'A' ~ 'a'", true)]
    [InlineData("2 > 1.5", true)]
    [InlineData("@2012-01-01 < @2012-01-02", true)]
    [InlineData("(1 | 2) = (1 | 2)", true)]
    public void Evaluate_OtherOperandsOfTheComparisonOperators_AsFirelyDoes(string path, bool? expected) =>
        Assert.Equal(expected, Column(path));
}
