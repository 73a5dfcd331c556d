using FhirBulk.Views;

namespace FhirBulk.Tests.Views.Engine;

/// <summary>
/// Type names are case-sensitive (FHIRPath N1 §3.1): <c>string</c> is FHIR's primitive, <c>String</c> the System type,
/// <c>Quantity</c> FHIR's complex type and <c>quantity</c> no type. Firely, the oracle, tests them so; the JSON engine and
/// the compiler's checks matched them ignoring case.
/// </summary>
public sealed class TypeSpecifierTests
{
    private const string QuantityObservation =
        """{"resourceType":"Observation","id":"o","status":"final","code":{"text":"x"},"valueQuantity":{"value":5,"unit":"mg"}}""";

    private const string TextObservation = """{"resourceType":"Observation","id":"o","status":"final","code":{"text":"x"},"valueString":"hi"}""";

    private const string Patient =
        """{"resourceType":"Patient","id":"p","gender":"male","deceasedBoolean":false,"birthDate":"2001-02-03","name":[{"family":"Ito"}]}""";

    private static readonly FhirPathEngineKind[] Engines = [FhirPathEngineKind.Json, FhirPathEngineKind.Firely];

    public static TheoryData<string, string, object?> NotAsFhirPathWritesIt => new()
    {
        { QuantityObservation, "value.ofType(quantity).value", null },
        { QuantityObservation, "value.is(QUANTITY)", false },
        { QuantityObservation, "value is quantity", false },
        { QuantityObservation, "(value as quantity).unit", null },
        { QuantityObservation, "value.as(FHIR.quantity).unit", null },
        { QuantityObservation, "value.ofType(element).exists()", false },
        { QuantityObservation, "status is Code", false },
        { QuantityObservation, "$this is observation", false },
        { TextObservation, "value.ofType(String)", null },
        { Patient, "birthDate is Date", false },
        { Patient, "gender.ofType(Code)", null },
        { Patient, "deceased is Boolean", false },
        { Patient, "name.ofType(humanName).family.first()", null },
        { Patient, "$this.ofType(patient).id", null },
    };

    [Theory]
    [MemberData(nameof(NotAsFhirPathWritesIt))]
    public void Evaluate_TypeNameOfAnotherCaseOrTheSystemType_WhatFirelyGivesOnBothEngines(string resource, string path, object? expected)
    {
        var line = Resources.Line(resource);
        var view = $$"""{"name":"v","resource":"{{line.ResourceType}}","select":[{"column":[{"name":"c","path":"{{path}}"}]}]}""";

        foreach (var engine in Engines)
        {
            Assert.Equal([[expected]], ViewDefinitionCompiler.Compile(view, new ViewCompilerOptions { Engine = engine }).Evaluate(line));
        }
    }

    // Firely makes a view constant a System value (a String, not a FHIR string); the JSON engine gave it the FHIR type.
    [Theory]
    [InlineData("%s is string")]
    [InlineData("%k is code")]
    [InlineData("%d is date")]
    public void Evaluate_ConstantTestedAgainstItsFhirType_FalseOnBothEnginesAsConstantsAreSystemValues(string path)
    {
        var view = $$"""
            {"name":"v","resource":"Patient","constant":[{"name":"s","valueString":"x"},{"name":"k","valueCode":"x"},{"name":"d","valueDate":"2020-01-02"}],
             "select":[{"column":[{"name":"c","path":"{{path}}"}]}]}
            """;

        foreach (var engine in Engines)
        {
            Assert.Equal([[false]], ViewDefinitionCompiler.Compile(view, new ViewCompilerOptions { Engine = engine }).Evaluate(Resources.Line(Patient)));
        }
    }

    [Theory]
    [InlineData("""{"resourceType":"Observation","id":"o","status":"final","code":{},"subject":{"reference":"Patient/p1"}}""", "p1")]
    [InlineData("""{"resourceType":"Observation","id":"o","status":"final","code":{},"subject":{"reference":"Group/g1"}}""", null)]
    public void Evaluate_ReferenceKeyOfFhirQualifiedType_KeepsReferencesToThatTypeOnly(string resource, string? expected)
    {
        const string View = """{"name":"v","resource":"Observation","select":[{"column":[{"name":"c","path":"subject.getReferenceKey(FHIR.Patient)"}]}]}""";

        foreach (var engine in Engines)
        {
            var compiled = ViewDefinitionCompiler.Compile(View, new ViewCompilerOptions { Engine = engine });
            Assert.Equal([[expected]], compiled.Evaluate(Resources.Line(resource)));
            Assert.Empty(compiled.Warnings);
        }
    }

    [Theory]
    [InlineData("patient", "id", null, "resource", "'patient' is not a FHIR R4 resource type (did you mean 'Patient'? type names are case-sensitive)")]
    [InlineData("Patinet", "id", null, "resource", "'Patinet' is not a FHIR R4 resource type (did you mean 'Patient'?)")]
    [InlineData("Patient", "active", "Boolean", "select[0].column[0].type", "'Boolean' is not a FHIR type (did you mean 'boolean'? type names are case-sensitive)")]
    [InlineData("Patient", "birthDate", "dat", "select[0].column[0].type", "'dat' is not a FHIR type (did you mean 'date'?)")]
    public void Compile_TypeNamedWrongly_InvalidNamingTheTypeMeant(string resource, string path, string? type, string elementPath, string expected)
    {
        var typed = type is null ? "" : $",\"type\":\"{type}\"";
        var view = $$"""{"name":"v","resource":"{{resource}}","select":[{"column":[{"name":"c","path":"{{path}}"{{typed}}}]}]}""";

        foreach (var engine in Engines)
        {
            var e = Assert.Throws<ViewDefinitionException>(() => ViewDefinitionCompiler.Compile(view, new ViewCompilerOptions { Engine = engine }));
            Assert.Equal(elementPath, e.ElementPath);
            Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        }
    }
}
