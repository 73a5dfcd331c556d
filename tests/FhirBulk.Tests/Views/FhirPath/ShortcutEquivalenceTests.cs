using System.Text;
using FhirBulk.Ndjson;
using FhirBulk.Views;
using FhirBulk.Views.Conformance;
using FhirBulk.Views.Definition;
using FhirBulk.Views.FhirPath;
using FhirBulk.Views.Workshop;

namespace FhirBulk.Tests.Views.FhirPath;

/// <summary>
/// The Firely engine's shortcuts (top-level projection, direct navigation of simple paths) must
/// not change a single row: every view here runs with and without them.
/// </summary>
public class ShortcutEquivalenceTests
{
    private static ICompiledView Fast(ViewDefinition view) =>
        ViewDefinitionCompiler.Compile(view, new FirelyPathEngine(view.Constants), null);

    private static ICompiledView Plain(ViewDefinition view) =>
        ViewDefinitionCompiler.Compile(view, new FirelyPathEngine(view.Constants, new FirelyResourceReader(projectResources: false), useSimplePaths: false), null);

    [SharedFact]
    public void Evaluate_SyntheaFlattenAndNarrowViews_SameRows()
    {
        foreach (var type in new[] { "Patient", "Encounter", "MedicationRequest", "Condition", "Procedure", "Organization", "Immunization" })
        {
            var flatten = new FlattenViewBuilder(type);
            foreach (var line in Resources.Synthea(type))
            {
                flatten.Add(line);
            }

            var all = flatten.Build().Select[0].Columns;
            var narrow = new ViewDefinition("narrow", type, [], [new SelectClause("select[0]", [.. all.Take(2), .. all.TakeLast(2)], [], null, null, null, [])], []);
            foreach (var view in new[] { flatten.Build(), narrow })
            {
                Assert.Equal(Plain(view).Rows(Resources.Synthea(type)), Fast(view).Rows(Resources.Synthea(type)));
            }
        }
    }

    [SharedFact]
    public void Evaluate_SyntheaWorkshopViews_SameRows()
    {
        var patient = WorkshopViews.Create("Patient", [("id", "identifier[0].value"), ("given", "name.given"), ("family", "name.first().family"), ("race", "extension[0].extension[0].value.ofType(Coding).code"), ("city", "address.city")]);
        var encounter = WorkshopViews.Create("Encounter", [("id", "id"), ("patient", "subject.getReferenceKey(Patient)"), ("type", "type.coding.code"), ("start", "period.start"), ("reason", "reasonCode[0].coding[0].display")]);

        Assert.Equal(Plain(patient).Rows(Resources.Synthea("Patient")), Fast(patient).Rows(Resources.Synthea("Patient")));
        Assert.Equal(Plain(encounter).Rows(Resources.Synthea("Encounter")), Fast(encounter).Rows(Resources.Synthea("Encounter")));
    }

    [SharedFact]
    public async Task Evaluate_OfficialSuiteViews_SameRows()
    {
        foreach (var test in await ViewConformanceRunner.LoadAsync([SharedData.Path("sql-on-fhir-v2", "tests")]))
        {
            if (test.ExpectError)
            {
                continue;
            }

            var view = ViewDefinitionParser.Parse(test.View);
            var lines = test.Resources
                .Select((r, i) => new ResourceLine(r.GetProperty("resourceType").GetString()!, null, Encoding.UTF8.GetBytes(r.GetRawText()), test.File, i + 1))
                .ToList();

            Assert.Equal(Plain(view).Rows(lines), Fast(view).Rows(lines));
        }
    }
}
