using System.Text;
using FhirBulk.Ndjson;
using FhirBulk.Views;
using FhirBulk.Views.Conformance;
using FhirBulk.Views.Definition;
using FhirBulk.Views.Workshop;

namespace FhirBulk.Tests.Views.FhirPath.Json;

/// <summary>
/// The JSON engine against the Firely engine: same rows, same CLR types, same order, same failures, on the official
/// suite, the Synthea sample with the shipped workshop views and the flatten views, and item by item.
/// </summary>
public class JsonEngineDifferentialTests
{
    public static TheoryData<string, string> OfficialCases()
    {
        var data = new TheoryData<string, string>();
        if (SharedData.Folder is null)
        {
            data.Add("none", "none");
            return data;
        }

        foreach (var test in ViewConformanceRunner.LoadAsync([SharedData.Path("sql-on-fhir-v2", "tests")]).GetAwaiter().GetResult())
        {
            data.Add(test.File, test.Name);
        }

        return data;
    }

    [SharedTheory]
    [MemberData(nameof(OfficialCases))]
    public async Task Evaluate_OfficialSuiteCase_SameOutputOnBothEngines(string file, string name)
    {
        var test = (await ViewConformanceRunner.LoadAsync([SharedData.Path("sql-on-fhir-v2", "tests", file)])).Single(t => t.Name == name);
        var lines = test.Resources
            .Select((r, i) => new ResourceLine(r.GetProperty("resourceType").GetString()!, null, Encoding.UTF8.GetBytes(r.GetRawText()), test.File, i + 1))
            .ToList();
        ViewDefinition view;
        try
        {
            view = ViewDefinitionParser.Parse(test.View);
        }
        catch (ViewDefinitionException)
        {
            return;
        }

        string Outcome(FhirPathEngineKind engine)
        {
            try
            {
                return EngineDifference.Describe(EngineDifference.Compile(view, engine), lines);
            }
            catch (ViewDefinitionException)
            {
                return "rejected";
            }
        }

        Assert.Equal(Outcome(FhirPathEngineKind.Firely), Outcome(FhirPathEngineKind.Json));
    }

    [SharedFact]
    public async Task Run_OfficialSuite_AllPassOnTheJsonEngine()
    {
        var report = await new ViewConformanceRunner().RunAsync([SharedData.Path("sql-on-fhir-v2", "tests")]);

        Assert.Empty(report.Results.Where(r => !r.Passed).Select(r => $"{r.File} {r.Name}: {r.Error}"));
        Assert.Equal(144, report.Results.Count);
    }

    public static TheoryData<string> WorkshopViewFiles() => [.. Directory.GetFiles(FhirBulk.Tests.Views.WorkshopFolder.Views, "*.json").Select(f => Path.GetFileName(f)).Order()];

    [SharedTheory]
    [MemberData(nameof(WorkshopViewFiles))]
    public void Evaluate_ShippedWorkshopView_SameRowsOnTheJsonEngine(string file)
    {
        var view = ViewDefinitionParser.Parse(File.ReadAllText(Path.Combine(FhirBulk.Tests.Views.WorkshopFolder.Views, file)));
        var source = SharedData.Path("fixtures", "synthea-sample-10", $"{view.Resource}.000.ndjson");
        var lines = File.Exists(source) ? Resources.Synthea(view.Resource) : GeneratedObservations();

        EngineDifference.AssertSame(view, lines);
    }

    [SharedFact]
    public void Evaluate_SyntheaFlattenViews_SameRowsOnTheJsonEngine()
    {
        foreach (var type in new[] { "Patient", "Encounter", "MedicationRequest", "Condition", "Procedure", "Organization", "Immunization", "AllergyIntolerance", "Device", "DocumentReference", "Location", "Practitioner", "PractitionerRole" })
        {
            var flatten = new FlattenViewBuilder(type);
            foreach (var line in Resources.Synthea(type))
            {
                flatten.Add(line);
            }

            EngineDifference.AssertSame(flatten.Build(), Resources.Synthea(type));
        }
    }

    [SharedFact]
    public void Evaluate_SyntheaFunctionsAndFilters_SameRowsOnTheJsonEngine()
    {
        (string Type, (string Name, string Path)[] Columns)[] cases =
        [
            ("Patient", [("key", "getResourceKey()"), ("given", "name.given.join(' ')"), ("official", "name.where(use = 'official').family.first()"),
                ("has_phone", "telecom.exists(system = 'phone')"), ("born_before_1970", "birthDate < @1970-01-01"), ("born_1970s", "birthDate >= @1970 and birthDate < @1980"),
                ("race", "extension('http://hl7.org/fhir/us/core/StructureDefinition/us-core-race').extension('ombCategory').value.ofType(Coding).code"),
                ("names", "name.count()"), ("upper", "name.first().family.upper()"), ("prefix", "name.first().family.substring(0, 3)"),
                ("starts", "name.first().family.startsWith('A')"), ("is_female", "gender = 'female' or gender = 'other'"), ("not_male", "(gender = 'male').not()"),
                ("iif", "iif(deceased.exists(), 'dead', 'alive')"), ("deceased_at", "deceased.ofType(dateTime).lowBoundary()"), ("ids", "identifier.type.coding.code.distinct()"),
                ("combined", "name.given.combine(name.family)"), ("union", "name.given | name.family"), ("last", "address.last().city"), ("tail", "identifier.tail().value"),
                ("marital", "maritalStatus.coding.where(system.endsWith('v3-MaritalStatus')).code"), ("lang", "communication.language.coding.first().code ~ 'EN-US'")]),
            ("Encounter", [("patient", "subject.getReferenceKey(Patient)"), ("start", "period.start"), ("after_2000", "period.start > @2000-01-01T00:00:00Z"),
                ("same_day", "period.start.toString().substring(0, 10) = period.end.toString().substring(0, 10)"), ("class", "class.code in ('AMB' | 'EMER')"),
                ("types", "type.coding.where(system = 'http://snomed.info/sct').code"), ("practitioner", "participant.individual.getReferenceKey(Practitioner).first()")]),
            ("Condition", [("onset", "onset.ofType(dateTime)"), ("onset_year", "onset.ofType(dateTime).highBoundary(4)"), ("active", "clinicalStatus.coding.exists(code = 'active')"),
                ("abated", "abatement.exists()"), ("code", "code.coding.first().code"), ("verification", "verificationStatus.coding.code.first() != 'confirmed'")]),
            ("MedicationRequest", [("medication", "medication.ofType(CodeableConcept).coding.first().code"), ("authored", "authoredOn"), ("is_cc", "medication is CodeableConcept"),
                ("as_cc", "(medication as CodeableConcept).text"), ("dosage", "dosageInstruction.first().doseAndRate.dose.ofType(Quantity).value"),
                ("timing", "dosageInstruction.timing.repeat.frequency.first()"), ("requester", "requester.getReferenceKey()")]),
            ("Immunization", [("cvx", "vaccineCode.coding.where(system = 'http://hl7.org/fhir/sid/cvx').code.first()"), ("when", "occurrence.ofType(dateTime)"),
                ("primary", "primarySource"), ("primary_not", "primarySource.not()"), ("xor", "primarySource xor true"), ("implies", "primarySource implies status = 'completed'")]),
        ];

        foreach (var (type, columns) in cases)
        {
            var view = WorkshopViews.Create(type, columns.Select(c => (WorkshopColumn)c));
            var (json, firely, choice) = EngineDifference.Run(view, Resources.Synthea(type));
            Assert.Equal(firely, json);
            _ = choice;
        }
    }

    [Fact]
    public void Evaluate_ColumnsSharingANavigation_SameRowsAsFirelyForEveryFocusAndResource()
    {
        // The JSON engine evaluates a navigation that several expressions start with once per focus and resource: each
        // name of a forEach, each item of a where, each resource must still see its own.
        var view = ViewDefinitionParser.Parse("""
            {"name":"shared","resource":"Patient","select":[
              {"column":[{"name":"first_given","path":"name.first().given.first()"},{"name":"first_family","path":"name.first().family"},
                         {"name":"ann_family","path":"name.where(given.first() = 'Ann').family.first()"},
                         {"name":"deceased_at","path":"deceased.ofType(dateTime)"},{"name":"deceased_flag","path":"deceased.ofType(boolean)"},
                         {"name":"deceased_year","path":"deceased.ofType(dateTime).lowBoundary()"}]},
              {"forEach":"name","column":[{"name":"given","path":"given.first()"},{"name":"given_again","path":"given.first()"},{"name":"all","path":"given","collection":true},
                                          {"name":"family","path":"family"}],
               "select":[{"forEachOrNull":"given","column":[{"name":"each","path":"$this"},{"name":"name_first","path":"%resource.name.first().given.first()"}]}]}]}
            """);
        string[] patients =
        [
            """{"resourceType":"Patient","id":"a","name":[{"family":"Ng","given":["Ann","Bo"]},{"family":"Lee","given":["Cy"]},{"family":"Ito"}]}""",
            """{"resourceType":"Patient","id":"b","deceasedDateTime":"2020-05","name":[{"family":"Abe","given":["Dee"]},{"family":"Ray","given":["Ann"]}]}""",
            """{"resourceType":"Patient","id":"c","deceasedBoolean":true,"name":[{"family":"Oda"}]}""",
        ];

        var lines = patients.Select((p, i) => new ResourceLine("Patient", null, Encoding.UTF8.GetBytes(p), "shared", i + 1)).ToList();
        var (json, firely, choice) = EngineDifference.Run(view, lines);

        Assert.Equal(FhirPathEngineKind.Json, choice.Engine);
        Assert.Equal(firely, json);
        Assert.Contains("2: String:Dee | String:Abe | String:Ray | String:2020-05 | null | String:2020-05-01T00:00:00.000+14:00 | String:Ann | String:Ann | [String:Ann] | String:Ray | String:Ann | String:Dee", json, StringComparison.Ordinal);
        Assert.Contains("3: null | String:Oda | null | null | Boolean:True | null | null | null | [] | String:Oda | null | null", json, StringComparison.Ordinal);
    }

    private static IEnumerable<ResourceLine> GeneratedObservations()
    {
        string[] json =
        [
            """{"resourceType":"Observation","id":"s1","status":"final","subject":{"reference":"Patient/1"},"code":{"coding":[{"system":"http://loinc.org","code":"72166-2"}]},"effectiveDateTime":"2019-05-01T10:00:00+02:00","valueCodeableConcept":{"coding":[{"system":"http://snomed.info/sct","code":"8517006","display":"Ex-smoker"}]}}""",
            """{"resourceType":"Observation","id":"s2","status":"final","subject":{"reference":"urn:uuid:2"},"code":{"coding":[{"system":"http://loinc.org","code":"8302-2"}]},"effectiveDateTime":"2019","valueQuantity":{"value":172.5,"unit":"cm"}}""",
            """{"resourceType":"Observation","id":"s3","status":"final","subject":{"reference":"Patient/3"},"code":{"coding":[{"system":"http://example.org","code":"x"},{"system":"http://loinc.org","code":"72166-2"}]},"effectivePeriod":{"start":"2020-01"},"valueString":"never"}""",
        ];
        return json.Select((j, i) => new ResourceLine("Observation", null, Encoding.UTF8.GetBytes(j), "generated", i + 1));
    }
}
