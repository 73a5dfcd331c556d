using System.Text;
using FhirBulk.Views;
using FhirBulk.Views.Definition;
using FhirBulk.Views.Engine;
using FhirBulk.Views.FhirPath;
using FhirBulk.Views.Workshop;

namespace FhirBulk.Tests.Views.FhirPath;

public class TopLevelProjectionTests
{
    private static string Project(string json, params string[] elements)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var output = new byte[bytes.Length + 2];
        var length = new TopLevelProjection(elements).Project(bytes, output);
        return length < 0 ? "(none)" : Encoding.UTF8.GetString(output, 0, length);
    }

    [Fact]
    public void Project_KeepsWantedElementsTheirChoiceFormsAndExtensions()
    {
        var projected = Project(
            """{"resourceType":"Patient","id":"p","text":{"div":"<div/>"},"deceasedBoolean":false,"name":[{"family":"F"}],"_gender":{"extension":[]},"gender":"male","names":1}""",
            "deceased", "gender");

        Assert.Equal("""{"resourceType":"Patient","id":"p","deceasedBoolean":false,"_gender":{"extension":[]},"gender":"male"}""", projected);
    }

    [Theory]
    [InlineData("[1,2]")]
    [InlineData("""{"resourceType":"Patient","id":""")]
    public void Project_NotAnObject_GivesUp(string json) => Assert.Equal("(none)", Project(json, "id"));

    [Theory]
    [InlineData("""{"resource":"Patient","select":[{"column":[{"name":"k","path":"getResourceKey()"},{"name":"g","path":"gender"}]}]}""", "gender,id")]
    [InlineData("""{"resource":"Patient","select":[{"forEach":"name.where(use='official')","column":[{"name":"f","path":"family"}]}],"where":[{"path":"deceased.exists().not()"}]}""", "name,deceased")]
    [InlineData("""{"resource":"Patient","select":[{"column":[{"name":"r","path":"extension('http://x').value.ofType(Coding).code"}]}]}""", "extension")]
    [InlineData("""{"resource":"Patient","select":[{"column":[{"name":"c","path":"gender.combine(name.family).count()"}]}]}""", "gender,name")]
    [InlineData("""{"resource":"Patient","select":[{"column":[{"name":"s","path":"'abcdef'.substring(telecom.count())"}]}]}""", "telecom")]
    [InlineData("""{"resource":"Patient","select":[{"column":[{"name":"w","path":"name.where(given.combine(family).exists()).use"}]}]}""", "name")]
    [InlineData("""{"resource":"Patient","select":[{"column":[{"name":"i","path":"name.first().iif(family.exists(), family, 'none')"}]}]}""", "name")]
    [InlineData("""{"resource":"Patient","select":[{"column":[{"name":"a","path":"Patient.name.family.first()"}]}]}""", null)]
    [InlineData("""{"resource":"Patient","select":[{"column":[{"name":"a","path":"%resource.gender"}]}]}""", null)]
    [InlineData("""{"resource":"Patient","select":[{"column":[{"name":"a","path":"descendants().count()"}]}]}""", null)]
    [InlineData("""{"resource":"Patient","select":[{"column":[{"name":"a","path":"where(gender = 'male')"}]}]}""", null)]
    public void Analyzer_RecordsTopLevelElementsOrGivesUp(string view, string? expected)
    {
        var definition = ViewDefinitionParser.Parse(view);
        var engine = new FirelyPathEngine(definition.Constants);
        ViewDefinitionCompiler.Compile(definition, engine, null);

        var elements = engine.RootElements is { } e ? string.Join(",", e.Order(StringComparer.Ordinal)) : null;

        Assert.Equal(expected is null ? null : string.Join(",", expected.Split(',').Order(StringComparer.Ordinal)), elements);
    }
}
