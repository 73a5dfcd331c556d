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
    public void Evaluate_SyntheaFunctionChains_SameRows()
    {
        // Every function the fast path takes (keys with and without a type, ofType with subtypes, FHIR-qualified and
        // primitive types, on one item and on many), against Firely's own evaluation of the same paths.
        (string Type, (string Name, string Path)[] Columns)[] cases =
        [
            ("Condition", [("key", "getResourceKey()"), ("patient", "subject.getReferenceKey(Patient)"), ("wrong_type", "subject.getReferenceKey(Encounter)"),
                ("encounter", "encounter.getReferenceKey()"), ("onset", "onset.ofType(dateTime)"), ("onset_period", "onset.ofType(Period).start"),
                ("abatement", "abatement.ofType(FHIR.dateTime)"), ("code", "code.coding.first().code")]),
            ("MedicationRequest", [("key", "getResourceKey()"), ("medication", "medication.ofType(CodeableConcept).coding.first().code"),
                ("medication_ref", "medication.ofType(Reference).getReferenceKey(Medication)"), ("requester", "requester.getReferenceKey()"),
                ("encounter", "encounter.getReferenceKey(Encounter)")]),
            ("Patient", [("key", "getResourceKey()"), ("codings", "extension.value.ofType(Coding).code"), ("strings", "extension.value.ofType(string)"),
                ("decimals", "extension.value.ofType(decimal)"), ("cities", "extension.value.ofType(Address).city"), ("gender_string", "gender.ofType(string)"),
                ("gender_code", "gender.ofType(code)"), ("practitioner", "generalPractitioner.getReferenceKey(Practitioner)"),
                ("nested", "extension.extension.value.ofType(Coding).first().display")]),
            ("Encounter", [("participants", "participant.individual.getReferenceKey()"), ("provider", "serviceProvider.getReferenceKey(Organization)"),
                ("length", "length.ofType(Quantity).value"), ("duration", "length.ofType(Duration).value"), ("self", "ofType(Encounter).getResourceKey()")]),
            ("Immunization", [("occurrence", "occurrence.ofType(dateTime)"), ("patient", "patient.getReferenceKey(Patient)")]),
        ];

        foreach (var (type, columns) in cases)
        {
            var view = WorkshopViews.Create(type, columns.Select(c => (WorkshopColumn)c));
            Assert.Equal(Plain(view).Rows(Resources.Synthea(type)), Fast(view).Rows(Resources.Synthea(type)));
        }
    }

    [Fact]
    public void Evaluate_ChoiceTypesAndSubtypes_SameRowsAsFirely()
    {
        string[] json =
        [
            """{"resourceType":"Observation","id":"q","subject":{"reference":"Patient/1"},"valueQuantity":{"value":5.4,"unit":"mg"},"component":[{"valueString":"s"},{"valueQuantity":{"value":1}},{"valueCodeableConcept":{"coding":[{"code":"c"}]}}]}""",
            """{"resourceType":"Observation","id":"a","subject":{"reference":"urn:uuid:9"},"valueInteger":3,"effectivePeriod":{"start":"2020"}}""",
            """{"resourceType":"Observation","subject":{"reference":"#contained"},"valueBoolean":false,"effectiveDateTime":"2021-02-03"}""",
            """{"resourceType":"Observation","id":"n","subject":{"reference":"https://x.org/fhir/Group/g/_history/2"},"valueString":"text"}""",
        ];
        var lines = json.Select((j, i) => new ResourceLine("Observation", null, Encoding.UTF8.GetBytes(j), "inline", i + 1)).ToList();
        var view = WorkshopViews.Create("Observation", new WorkshopColumn[]
        {
            ("key", "getResourceKey()"), ("patient", "subject.getReferenceKey(Patient)"), ("group", "subject.getReferenceKey(Group)"), ("any", "subject.getReferenceKey()"),
            ("quantity", "value.ofType(Quantity).value"), ("age", "value.ofType(Age)"), ("duration", "value.ofType(Duration).value"),
            ("simple", "value.ofType(SimpleQuantity).value"), ("integer", "value.ofType(integer)"), ("boolean", "value.ofType(FHIR.boolean)"),
            ("system_string", "value.ofType(System.String)"), ("string", "value.ofType(string)"), ("period", "effective.ofType(Period).start"),
            ("date_time", "effective.ofType(dateTime)"), ("components", "component.value.ofType(Quantity).value"), ("component_text", "component.value.ofType(string)"),
            ("component_code", "component.value.ofType(CodeableConcept).coding.first().code"), ("resource", "ofType(Observation).getResourceKey()"),
            ("domain_resource", "ofType(DomainResource).getResourceKey()"), ("not_patient", "ofType(Patient).getResourceKey()"),
        });

        Assert.Equal(Plain(view).Rows(lines), Fast(view).Rows(lines));
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
