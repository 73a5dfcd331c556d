using FhirBulk.Views;
using FhirBulk.Views.Conformance;

namespace FhirBulk.Tests.Views.Engine;

/// <summary>
/// A path naming an element its type does not have (a misspelling) is empty on every resource by FHIRPath's rules, so
/// the compiler says so: a warning on the compiled view, or an invalid view with <see cref="ViewCompilerOptions.StrictElements"/>.
/// </summary>
public sealed class UnknownElementTests
{
    public static TheoryData<string, string, string> Misspelt => new()
    {
        { "Patient", "gendr", "'gendr' is not an element of Patient" },
        { "Patient", "name.familly", "'familly' is not an element of HumanName" },
        { "Observation", "code.coding.first().cod", "'cod' is not an element of Coding" },
        { "Observation", "value.ofType(Quantity).unitt", "'unitt' is not an element of Quantity" },
        { "Observation", "valueQuantity.value", "'valueQuantity' is not an element of Observation" },
        { "Patient", "name.where(uze = 'official').family", "'uze' is not an element of HumanName" },
        { "Patient", "birthdate", "'birthdate' is not an element of Patient" },
        { "Patient", "gEnder", "'gEnder' is not an element of Patient" },
        { "Patient", "name.FAMILY.first()", "'FAMILY' is not an element of HumanName" },
        { "Patient", "Gender", "'Gender' is not an element of Patient" },
        { "Patient", "name.family.first() + nme.given.first()", "'nme' is not an element of Patient" },
    };

    [Theory]
    [InlineData("birthdate")]
    [InlineData("gEnder")]
    [InlineData("name.FAMILY.first()")]
    public void Evaluate_NameDifferingOnlyInCase_EmptyOnBothEnginesAsFhirPathNamesAreCaseSensitive(string path)
    {
        var view = $$"""{"name":"v","resource":"Patient","select":[{"column":[{"name":"c","path":"{{path}}"}]}]}""";
        var line = Resources.Line("""{"resourceType":"Patient","id":"p","gender":"male","birthDate":"2001-02-03","name":[{"family":"Ito"}]}""");

        foreach (var engine in new[] { FhirPathEngineKind.Json, FhirPathEngineKind.Firely })
        {
            Assert.Equal([[null]], ViewDefinitionCompiler.Compile(view, new ViewCompilerOptions { Engine = engine }).Evaluate(line));
        }
    }

    public static TheoryData<string, string, string> Misnamed => new()
    {
        { "Observation", "value.ofType(quantity).value", "'quantity' is not a FHIR R4 or System type (did you mean 'Quantity'? type names are case-sensitive)" },
        { "Observation", "value is QUANTITY", "'QUANTITY' is not a FHIR R4 or System type (did you mean 'Quantity'?" },
        { "Observation", "value.is(Quantiy)", "'Quantiy' is not a FHIR R4 or System type (did you mean 'Quantity'?), so no value is of it" },
        { "Observation", "value.ofType(Quantitty).value", "'Quantitty' is not a FHIR R4 or System type (did you mean 'Quantity'?), so no value is of it" },
        { "Observation", "subject.getReferenceKey(Patinet)", "'Patinet' is not a FHIR R4 resource type (did you mean 'Patient'?), so getReferenceKey(Patinet) gives nothing" },
        { "Observation", "(value as quantity).unit", "'quantity' is not a FHIR R4 or System type (did you mean 'Quantity'?" },
        { "Observation", "value.as(quantity).unit", "'quantity' is not a FHIR R4 or System type (did you mean 'Quantity'?" },
        { "Observation", "value.ofType(FHIR.quantity).unit", "'FHIR.quantity' is not a FHIR R4 or System type (did you mean 'FHIR.Quantity'?" },
        { "Observation", "value.ofType(System.quantity)", "'System.quantity' is not a FHIR R4 or System type (did you mean 'System.Quantity'?" },
        { "Observation", "value.ofType(STRING)", "'STRING' is not a FHIR R4 or System type (did you mean 'string' or 'String'?" },
        { "Patient", "name.ofType(humanName).family", "'humanName' is not a FHIR R4 or System type (did you mean 'HumanName'?" },
        { "Observation", "subject.getReferenceKey(patient)", "'patient' is not a FHIR R4 resource type (did you mean 'Patient'? type names are case-sensitive), so getReferenceKey(patient) gives nothing" },
        { "Observation", "subject.getReferenceKey(Quantity)", "'Quantity' is not a FHIR R4 resource type, so getReferenceKey(Quantity) gives nothing" },
    };

    [Theory]
    [MemberData(nameof(Misspelt))]
    public void Compile_PathNamingNoElementOfItsType_WarnsOnEveryEngineAndFailsWhenStrict(string resource, string path, string expected) =>
        AssertWarnsOnEveryEngineAndFailsWhenStrict(resource, path, expected);

    [Theory]
    [InlineData("Patient", "gendr", "'gendr' is not an element of Patient in FHIR R4 (did you mean 'gender'?), so")]
    [InlineData("Patient", "name.familly", "(did you mean 'family'?)")]
    [InlineData("Observation", "code.coding.first().cod", "(did you mean 'code'?)")]
    [InlineData("Observation", "value.ofType(Quantity).unitt", "(did you mean 'unit'?)")]
    [InlineData("Observation", "valueQuantity.value", "(did you mean 'value.ofType(Quantity)'?)")]
    [InlineData("Observation", "effectivedateTime", "(did you mean 'effective.ofType(dateTime)'?)")]
    [InlineData("Patient", "name.where(uze = 'official').family", "(did you mean 'use'?)")]
    [InlineData("Patient", "birthdate", "(did you mean 'birthDate'?)")]
    [InlineData("Patient", "Gender", "(did you mean 'gender'?)")]
    [InlineData("Patient", "name.family.first() + nme.given.first()", "(did you mean 'name'?)")]
    public void Compile_MisspeltElement_WarningNamesTheElementMeant(string resource, string path, string expected) =>
        AssertOneWarningOnEveryEngine(resource, path, expected);

    [Theory]
    [InlineData("Observation", "value is String", "'String' is the System type, of which no element of a resource is (did you mean 'string'?")]
    [InlineData("Observation", "value.ofType(String)", "'String' is the System type")]
    [InlineData("Patient", "birthDate is Date", "(did you mean 'date'?")]
    [InlineData("Patient", "active.is(System.Boolean)", "'System.Boolean' is the System type")]
    [InlineData("Observation", "value.ofType(Quantity).value is Decimal", "(did you mean 'decimal'?")]
    [InlineData("Observation", "value.ofType(System.Quantity)", "'System.Quantity' is the System type, of which no element of a resource is (did you mean 'Quantity'?")]
    public void Compile_ElementTestedAgainstASystemType_WarnsThatNoElementIsOfIt(string resource, string path, string expected) =>
        AssertOneWarningOnEveryEngine(resource, path, expected);

    [Theory]
    [InlineData("Patient", "'a' is String")]
    [InlineData("Patient", "birthDate.toString() is String")]
    [InlineData("Patient", "(1 + 2) is Integer")]
    [InlineData("Patient", "gender is string")]
    public void Compile_SystemTypeTestedOnAValueFhirPathMade_NoWarning(string resource, string path)
    {
        var view = $$"""{"name":"v","resource":"{{resource}}","select":[{"column":[{"name":"c","path":"{{path.Replace("'", "\u0027", StringComparison.Ordinal)}}"}]}]}""";

        Assert.Empty(ViewDefinitionCompiler.Compile(view).Warnings);
    }

    [Theory]
    [InlineData("Patient", "xyzzy")]
    [InlineData("Patient", "contact.organisationName")]
    public void Compile_ElementLikeNoneOfItsType_WarnsWithoutAGuess(string resource, string path)
    {
        var view = $$"""{"name":"v","resource":"{{resource}}","select":[{"column":[{"name":"c","path":"{{path}}"}]}]}""";

        var warning = Assert.Single(ViewDefinitionCompiler.Compile(view).Warnings);

        Assert.DoesNotContain("did you mean", warning.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Misnamed))]
    public void Compile_TypeSpecifierNamingNoType_WarnsWithTheTypeMeantOnEveryEngineAndFailsWhenStrict(string resource, string path, string expected) =>
        AssertWarnsOnEveryEngineAndFailsWhenStrict(resource, path, expected);

    private static void AssertOneWarningOnEveryEngine(string resource, string path, string expected)
    {
        var view = $$"""{"name":"v","resource":"{{resource}}","select":[{"column":[{"name":"c","path":"{{path.Replace("'", "\u0027", StringComparison.Ordinal)}}"}]}]}""";

        foreach (var engine in new[] { FhirPathEngineKind.Json, FhirPathEngineKind.Firely })
        {
            var warning = Assert.Single(ViewDefinitionCompiler.Compile(view, new ViewCompilerOptions { Engine = engine }).Warnings);
            Assert.Contains(expected, warning.Message, StringComparison.Ordinal);
        }
    }

    private static void AssertWarnsOnEveryEngineAndFailsWhenStrict(string resource, string path, string expected)
    {
        var view = $$"""{"name":"v","resource":"{{resource}}","select":[{"column":[{"name":"c","path":"{{path.Replace("'", "\\u0027", StringComparison.Ordinal)}}"}]}]}""";

        foreach (var engine in new[] { FhirPathEngineKind.Json, FhirPathEngineKind.Firely })
        {
            var compiled = ViewDefinitionCompiler.Compile(view, new ViewCompilerOptions { Engine = engine });
            var warning = Assert.Single(compiled.Warnings);
            Assert.Equal("select[0].column[0].path", warning.ElementPath);
            Assert.StartsWith(expected, warning.Message, StringComparison.Ordinal);

            var e = Assert.Throws<ViewDefinitionException>(() => ViewDefinitionCompiler.Compile(view, new ViewCompilerOptions { Engine = engine, StrictElements = true }));
            Assert.Equal("select[0].column[0].path", e.ElementPath);
            Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("Patient", "gender")]
    [InlineData("Patient", "Patient.name.family")]
    [InlineData("Patient", "deceased.ofType(boolean)")]
    [InlineData("Patient", "name.given.join(' ')")]
    [InlineData("Patient", "extension('http://x').value.ofType(string)")]
    [InlineData("Patient", "id.extension.url")]
    [InlineData("Observation", "subject.getReferenceKey(Patient)")]
    [InlineData("Bundle", "entry.resource.name.family")]
    [InlineData("Observation", "value is Quantity")]
    [InlineData("Observation", "(value as Quantity).value")]
    [InlineData("Observation", "value.is(Quantity)")]
    [InlineData("Observation", "value.as(Quantity).unit")]
    [InlineData("Observation", "value.ofType(Quantity).value")]
    [InlineData("Observation", "code.coding.where(system = 'http://loinc.org').code")]
    [InlineData("Observation", "subject.getReferenceKey(FHIR.Patient)")]
    [InlineData("Observation", "value.ofType(FHIR.Quantity).value")]
    [InlineData("Patient", "contact.ofType(Patient.contact).gender")]
    public void Compile_PathOfKnownElementsOrTypesResolvedOnTheData_NoWarning(string resource, string path)
    {
        var view = $$"""{"name":"v","resource":"{{resource}}","select":[{"column":[{"name":"c","path":"{{path.Replace("'", "\\u0027", StringComparison.Ordinal)}}","collection":true}]}]}""";

        foreach (var engine in new[] { FhirPathEngineKind.Json, FhirPathEngineKind.Firely })
        {
            Assert.Empty(ViewDefinitionCompiler.Compile(view, new ViewCompilerOptions { Engine = engine, StrictElements = true }).Warnings);
        }
    }

    [Fact]
    public void Compile_RepeatPathOfTheItemsItReaches_NoWarning()
    {
        var view = """
            {"name":"v","resource":"QuestionnaireResponse","select":[{"repeat":["item","answer.item"],"column":[{"name":"l","path":"linkId"}]}]}
            """;

        Assert.Empty(ViewDefinitionCompiler.Compile(view, new ViewCompilerOptions { StrictElements = true }).Warnings);
    }

    [SharedFact]
    public async Task Compile_OfficialSuiteViews_NoWarningOnEitherEngine()
    {
        var warned = new List<string>();
        foreach (var test in await ViewConformanceRunner.LoadAsync([SharedData.Path("sql-on-fhir-v2", "tests")]))
        {
            foreach (var engine in new[] { FhirPathEngineKind.Json, FhirPathEngineKind.Firely })
            {
                try
                {
                    var compiled = ViewDefinitionCompiler.Compile(test.View, new ViewCompilerOptions { Engine = engine });
                    warned.AddRange(compiled.Warnings.Select(w => $"{test.File} '{test.Name}' ({engine}): {w}"));
                }
                catch (ViewDefinitionException)
                {
                    // One of the suite's invalid views, which the suite's own cases check.
                }
            }
        }

        Assert.Empty(warned);
    }

    [Fact]
    public void Compile_ShippedWorkshopViews_NoWarning()
    {
        var views = ViewDefinitionLoader.Load(FhirBulk.Tests.Views.WorkshopFolder.Views, new ViewCompilerOptions { StrictElements = true });

        Assert.All(views, v => Assert.Empty(v.Warnings));
    }
}
