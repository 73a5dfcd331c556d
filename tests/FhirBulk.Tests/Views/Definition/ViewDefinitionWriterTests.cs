using System.Text.Json;
using FhirBulk.Views.Conformance;
using FhirBulk.Views.Definition;
using FhirBulk.Views.Workshop;

namespace FhirBulk.Tests.Views.Definition;

public class ViewDefinitionWriterTests
{
    [Fact]
    public void ToJson_WorkshopView_RoundTrips()
    {
        var view = WorkshopViews.Create("Patient", [("id", "id"), ("given", "name.given")]);

        var json = ViewDefinitionWriter.ToJson(view);

        Assert.Equal(json, ViewDefinitionWriter.ToJson(ViewDefinitionParser.Parse(json)));
        Assert.Contains("\"collection\": true", json, StringComparison.Ordinal);
    }

    [SharedFact]
    public async Task ToJson_EveryValidOfficialView_StillPassesItsTest()
    {
        var cases = await ViewConformanceRunner.LoadAsync([SharedData.Path("sql-on-fhir-v2", "tests")]);

        foreach (var test in cases.Where(c => !c.ExpectError))
        {
            var json = ViewDefinitionWriter.ToJson(ViewDefinitionParser.Parse(test.View));
            using var rewritten = JsonDocument.Parse(json);

            var result = new ViewConformanceRunner().Run(test with { View = rewritten.RootElement.Clone() });

            Assert.True(result.Passed, $"{test}: {result.Error}");
        }
    }
}
