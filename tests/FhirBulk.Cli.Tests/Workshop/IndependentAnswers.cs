using System.Text.Json;

namespace FhirBulk.Cli.Tests.Workshop;

/// <summary>
/// The workshop's three answers computed straight from NDJSON with System.Text.Json: no view
/// engine, no DuckDB, no SQL. What `demo` prints must agree with this.
/// </summary>
public sealed class IndependentAnswers
{
    // CDC CVX codes in the "FLU" vaccine group, written out here independently of queries/*.sql.
    private static readonly HashSet<string> InfluenzaCvx =
    [
        "15", "16", "88", "111", "125", "126", "127", "128", "135", "140", "141", "144", "149", "150",
        "151", "153", "155", "158", "160", "161", "166", "168", "171", "185", "186", "197", "200",
        "201", "202", "205",
    ];

    public int FluVaccinatedPatients { get; private init; }

    public IReadOnlyList<(string Code, string? Display, int Patients)> TopConditions { get; private init; } = [];

    public (string Code, string? Display, int Requests) TopMedication { get; private init; }

    public IReadOnlyList<(string Code, string? Display, int Count)> EncounterTypes { get; private init; } = [];

    public static IndependentAnswers Compute(string folder)
    {
        var fluPatients = new HashSet<string>(StringComparer.Ordinal);
        foreach (var immunization in Read(folder, "Immunization"))
        {
            var status = Str(immunization, "status");
            if (status is "not-done" or "entered-in-error")
            {
                continue;
            }

            var cvx = Codings(immunization, "vaccineCode")
                .FirstOrDefault(c => Str(c, "system") == "http://hl7.org/fhir/sid/cvx");
            if (cvx.ValueKind == JsonValueKind.Object && InfluenzaCvx.Contains(Str(cvx, "code") ?? "")
                && ReferenceId(immunization, "patient") is { } patient)
            {
                fluPatients.Add(patient);
            }
        }

        // First diagnosis of each (patient, code): the earliest onset (or recorded date).
        var firstDiagnosis = new Dictionary<(string Patient, string Code), (DateTimeOffset When, string Id, string? Display)>();
        foreach (var condition in Read(folder, "Condition"))
        {
            var coding = Codings(condition, "code").FirstOrDefault();
            var patient = ReferenceId(condition, "subject");
            if (coding.ValueKind != JsonValueKind.Object || Str(coding, "code") is not { } code || patient is null)
            {
                continue;
            }

            var when = DateTimeOffset.TryParse(Str(condition, "onsetDateTime") ?? Str(condition, "recordedDate"), out var t)
                ? t : DateTimeOffset.MaxValue;
            var candidate = (when, Str(condition, "id") ?? "", Str(coding, "display"));
            if (!firstDiagnosis.TryGetValue((patient, code), out var current)
                || (candidate.when, candidate.Item2).CompareTo((current.When, current.Id)) < 0)
            {
                firstDiagnosis[(patient, code)] = candidate;
            }
        }

        var topConditions = firstDiagnosis
            .GroupBy(p => p.Key.Code, StringComparer.Ordinal)
            .Select(g => (Code: g.Key, Display: MinOrdinal(g.Select(p => p.Value.Display)), Patients: g.Count()))
            .OrderByDescending(c => c.Patients).ThenBy(c => c.Code, StringComparer.Ordinal)
            .Take(5)
            .ToList();

        var requests = Read(folder, "MedicationRequest")
            .Select(r => (Coding: Codings(r.TryGetProperty("medicationCodeableConcept", out var m) ? m : default, "").FirstOrDefault(),
                          Encounter: ReferenceId(r, "encounter")))
            .Where(r => r.Coding.ValueKind == JsonValueKind.Object && Str(r.Coding, "code") is not null)
            .Select(r => (Code: Str(r.Coding, "code")!, Display: Str(r.Coding, "display"), r.Encounter))
            .ToList();
        var topMedication = requests
            .GroupBy(r => r.Code, StringComparer.Ordinal)
            .Select(g => (Code: g.Key, Display: MinOrdinal(g.Select(r => r.Display)), Requests: g.Count()))
            .OrderByDescending(m => m.Requests).ThenBy(m => m.Code, StringComparer.Ordinal)
            .First();

        var encounterTypes = Read(folder, "Encounter")
            .Select(e => (Id: Str(e, "id"), Type: e.TryGetProperty("type", out var types) && types.GetArrayLength() > 0
                ? Codings(types[0], "").FirstOrDefault() : default))
            .Where(e => e.Id is not null && e.Type.ValueKind == JsonValueKind.Object && Str(e.Type, "code") is not null)
            .ToDictionary(e => e.Id!, e => (Code: Str(e.Type, "code")!, Display: Str(e.Type, "display")), StringComparer.Ordinal);
        var topMedicationEncounters = requests
            .Where(r => r.Code == topMedication.Code && r.Encounter is not null && encounterTypes.ContainsKey(r.Encounter))
            .Select(r => r.Encounter!)
            .Distinct(StringComparer.Ordinal)
            .Select(id => (Id: id, Type: encounterTypes[id]))
            .GroupBy(e => e.Type.Code, StringComparer.Ordinal)
            .Select(g => (Code: g.Key, Display: MinOrdinal(g.Select(e => e.Type.Display)), Count: g.Count()))
            .OrderByDescending(t => t.Count).ThenBy(t => t.Code, StringComparer.Ordinal)
            .Take(5)
            .ToList();

        return new IndependentAnswers
        {
            FluVaccinatedPatients = fluPatients.Count,
            TopConditions = topConditions,
            TopMedication = topMedication,
            EncounterTypes = topMedicationEncounters,
        };
    }

    private static IEnumerable<JsonElement> Read(string folder, string type)
    {
        foreach (var file in Directory.EnumerateFiles(folder, $"{type}.*ndjson").Order(StringComparer.Ordinal))
        {
            foreach (var line in File.ReadLines(file))
            {
                if (!string.IsNullOrWhiteSpace(line))
                {
                    yield return JsonDocument.Parse(line).RootElement;
                }
            }
        }
    }

    private static IEnumerable<JsonElement> Codings(JsonElement element, string property)
    {
        var concept = property.Length == 0 ? element
            : element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var p) ? p : default;
        return concept.ValueKind == JsonValueKind.Object && concept.TryGetProperty("coding", out var codings)
            ? codings.EnumerateArray()
            : [];
    }

    private static string? Str(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value)
        && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>The id a reference points at, whether written <c>Type/id</c> or <c>urn:uuid:id</c>.</summary>
    private static string? ReferenceId(JsonElement resource, string property)
    {
        if (!resource.TryGetProperty(property, out var reference) || Str(reference, "reference") is not { } text)
        {
            return null;
        }

        return text.StartsWith("urn:uuid:", StringComparison.Ordinal) ? text["urn:uuid:".Length..] : text[(text.LastIndexOf('/') + 1)..];
    }

    private static string? MinOrdinal(IEnumerable<string?> values) =>
        values.Where(v => v is not null).Order(StringComparer.Ordinal).FirstOrDefault();
}
