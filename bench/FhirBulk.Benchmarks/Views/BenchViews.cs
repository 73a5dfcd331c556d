namespace FhirBulk.Benchmarks.Views;

/// <summary>
/// The workshop's tables (Patient with its FHIRPath columns, plus Condition, Observation and
/// MedicationRequest as its exercises use them), once as ViewDefinitions for our engine and once
/// as the equivalent DuckDB SQL over <c>read_json</c>, so both produce the same rows.
/// </summary>
internal static class BenchViews
{
    public static IReadOnlyList<(string Type, string Name, string ViewJson, string DuckDbColumns)> All { get; } =
    [
        ("Patient", "patient", """
            {"resourceType":"ViewDefinition","name":"patient","resource":"Patient","status":"active","select":[{"column":[
              {"name":"id","path":"getResourceKey()"},
              {"name":"mrn","path":"identifier[0].value"},
              {"name":"gender","path":"gender"},
              {"name":"date_of_birth","path":"birthDate"},
              {"name":"marital_status","path":"maritalStatus.coding.first().code"}]}]}
            """,
            "id, identifier[1].value AS mrn, gender, birthDate AS date_of_birth, maritalStatus.coding[1].code AS marital_status"),
        ("Condition", "condition", """
            {"resourceType":"ViewDefinition","name":"condition","resource":"Condition","status":"active","select":[{"column":[
              {"name":"id","path":"getResourceKey()"},
              {"name":"patient","path":"subject.getReferenceKey(Patient)"},
              {"name":"code","path":"code.coding.first().code"},
              {"name":"display","path":"code.coding.first().display"},
              {"name":"clinical_status","path":"clinicalStatus.coding.first().code"},
              {"name":"onset","path":"onset.ofType(dateTime)"}]}]}
            """,
            "id, split_part(subject.reference, '/', 2) AS patient, code.coding[1].code AS code, code.coding[1].display AS display, clinicalStatus.coding[1].code AS clinical_status, onsetDateTime AS onset"),
        ("Observation", "observation", """
            {"resourceType":"ViewDefinition","name":"observation","resource":"Observation","status":"active","select":[{"column":[
              {"name":"id","path":"getResourceKey()"},
              {"name":"patient","path":"subject.getReferenceKey(Patient)"},
              {"name":"code","path":"code.coding.first().code"},
              {"name":"value","path":"value.ofType(Quantity).value"},
              {"name":"unit","path":"value.ofType(Quantity).unit"},
              {"name":"value_code","path":"value.ofType(CodeableConcept).coding.first().code"},
              {"name":"effective","path":"effective.ofType(dateTime)"}]}]}
            """,
            "id, split_part(subject.reference, '/', 2) AS patient, code.coding[1].code AS code, valueQuantity.value AS value, valueQuantity.unit AS unit, valueCodeableConcept.coding[1].code AS value_code, effectiveDateTime AS effective"),
        ("MedicationRequest", "medication_request", """
            {"resourceType":"ViewDefinition","name":"medication_request","resource":"MedicationRequest","status":"active","select":[{"column":[
              {"name":"id","path":"getResourceKey()"},
              {"name":"patient","path":"subject.getReferenceKey(Patient)"},
              {"name":"encounter","path":"encounter.getReferenceKey(Encounter)"},
              {"name":"code","path":"medication.ofType(CodeableConcept).coding.first().code"},
              {"name":"status","path":"status"},
              {"name":"authored","path":"authoredOn"}]}]}
            """,
            "id, split_part(subject.reference, '/', 2) AS patient, split_part(encounter.reference, '/', 2) AS encounter, medicationCodeableConcept.coding[1].code AS code, status, authoredOn AS authored"),
    ];

    public static IReadOnlyList<string> Types { get; } = [.. All.Select(v => v.Type)];

    public static IReadOnlyList<FhirBulk.Views.ICompiledView> Compile() =>
        [.. All.Select(v => FhirBulk.Views.ViewDefinitionCompiler.Compile(v.ViewJson))];

    /// <summary>
    /// The same views with every function call replaced by plain navigation (<c>id</c> for
    /// getResourceKey(), <c>subject.reference</c> for getReferenceKey, <c>value.value</c> for
    /// <c>value.ofType(Quantity).value</c>): the engine's fast navigation path runs every column,
    /// so the difference to <see cref="Compile"/> is what Firely's general evaluator costs.
    /// </summary>
    public static IReadOnlyList<FhirBulk.Views.ICompiledView> CompileNavigationOnly() =>
        [.. All.Select(v => FhirBulk.Views.ViewDefinitionCompiler.Compile(NavigationOnly(v.ViewJson)))];

    private static string NavigationOnly(string json) =>
        System.Text.RegularExpressions.Regex.Replace(
            json.Replace("getResourceKey()", "id", StringComparison.Ordinal),
            @"\.getReferenceKey\(\w+\)|\.ofType\(\w+\)",
            m => m.Value.StartsWith(".getReferenceKey", StringComparison.Ordinal) ? ".reference" : string.Empty);

    /// <summary>The input files the views read (the folder holds other types too).</summary>
    public static IReadOnlyList<string> InputFiles(string folder) =>
        [.. Types.SelectMany(t => Directory.EnumerateFiles(folder, $"{t}.*ndjson")).Order(StringComparer.Ordinal)];
}
