namespace FhirBulk.Server.Export;

/// <summary>The kind of a FHIR search parameter (R4 search §3.1.1).</summary>
internal enum SearchKind
{
    Token,
    Date,
    Reference,
}

/// <summary>A supported search parameter: its kind and the root elements it reads (choice types list each variant).</summary>
internal sealed record SearchParameter(SearchKind Kind, string[] Elements);

/// <summary>The search parameters <c>_typeFilter</c> understands, per resource type (names and paths from FHIR R4).</summary>
internal static class SearchParameters
{
    private static readonly Dictionary<string, SearchParameter> Common = new(StringComparer.Ordinal)
    {
        ["_id"] = new(SearchKind.Token, ["id"]),
        ["_lastUpdated"] = new(SearchKind.Date, ["meta.lastUpdated"]),
    };

    private static readonly Dictionary<string, Dictionary<string, SearchParameter>> ByType = new(StringComparer.Ordinal)
    {
        ["Patient"] = new(StringComparer.Ordinal)
        {
            ["gender"] = new(SearchKind.Token, ["gender"]),
            ["birthdate"] = new(SearchKind.Date, ["birthDate"]),
            ["active"] = new(SearchKind.Token, ["active"]),
            ["general-practitioner"] = new(SearchKind.Reference, ["generalPractitioner"]),
            ["organization"] = new(SearchKind.Reference, ["managingOrganization"]),
        },
        ["Encounter"] = new(StringComparer.Ordinal)
        {
            ["class"] = new(SearchKind.Token, ["class"]),
            ["type"] = new(SearchKind.Token, ["type"]),
            ["status"] = new(SearchKind.Token, ["status"]),
            ["date"] = new(SearchKind.Date, ["period"]),
            ["patient"] = new(SearchKind.Reference, ["subject"]),
            ["subject"] = new(SearchKind.Reference, ["subject"]),
            ["reason-reference"] = new(SearchKind.Reference, ["reasonReference"]),
            ["service-provider"] = new(SearchKind.Reference, ["serviceProvider"]),
        },
        ["Condition"] = new(StringComparer.Ordinal)
        {
            ["code"] = new(SearchKind.Token, ["code"]),
            ["category"] = new(SearchKind.Token, ["category"]),
            ["clinical-status"] = new(SearchKind.Token, ["clinicalStatus"]),
            ["verification-status"] = new(SearchKind.Token, ["verificationStatus"]),
            ["onset-date"] = new(SearchKind.Date, ["onsetDateTime", "onsetPeriod"]),
            ["abatement-date"] = new(SearchKind.Date, ["abatementDateTime", "abatementPeriod"]),
            ["recorded-date"] = new(SearchKind.Date, ["recordedDate"]),
            ["patient"] = new(SearchKind.Reference, ["subject"]),
            ["subject"] = new(SearchKind.Reference, ["subject"]),
            ["encounter"] = new(SearchKind.Reference, ["encounter"]),
        },
        ["Observation"] = new(StringComparer.Ordinal)
        {
            ["code"] = new(SearchKind.Token, ["code"]),
            ["category"] = new(SearchKind.Token, ["category"]),
            ["status"] = new(SearchKind.Token, ["status"]),
            ["date"] = new(SearchKind.Date, ["effectiveDateTime", "effectivePeriod", "effectiveInstant"]),
            ["value-concept"] = new(SearchKind.Token, ["valueCodeableConcept"]),
            ["component-code"] = new(SearchKind.Token, ["component.code"]),
            ["patient"] = new(SearchKind.Reference, ["subject"]),
            ["subject"] = new(SearchKind.Reference, ["subject"]),
            ["encounter"] = new(SearchKind.Reference, ["encounter"]),
        },
        ["Immunization"] = new(StringComparer.Ordinal)
        {
            ["vaccine-code"] = new(SearchKind.Token, ["vaccineCode"]),
            ["status"] = new(SearchKind.Token, ["status"]),
            ["date"] = new(SearchKind.Date, ["occurrenceDateTime"]),
            ["patient"] = new(SearchKind.Reference, ["patient"]),
        },
        ["MedicationRequest"] = new(StringComparer.Ordinal)
        {
            ["code"] = new(SearchKind.Token, ["medicationCodeableConcept"]),
            ["status"] = new(SearchKind.Token, ["status"]),
            ["intent"] = new(SearchKind.Token, ["intent"]),
            ["authoredon"] = new(SearchKind.Date, ["authoredOn"]),
            ["patient"] = new(SearchKind.Reference, ["subject"]),
            ["subject"] = new(SearchKind.Reference, ["subject"]),
            ["encounter"] = new(SearchKind.Reference, ["encounter"]),
            ["requester"] = new(SearchKind.Reference, ["requester"]),
        },
        ["Procedure"] = new(StringComparer.Ordinal)
        {
            ["code"] = new(SearchKind.Token, ["code"]),
            ["status"] = new(SearchKind.Token, ["status"]),
            ["date"] = new(SearchKind.Date, ["performedDateTime", "performedPeriod"]),
            ["patient"] = new(SearchKind.Reference, ["subject"]),
            ["subject"] = new(SearchKind.Reference, ["subject"]),
            ["encounter"] = new(SearchKind.Reference, ["encounter"]),
        },
        ["AllergyIntolerance"] = new(StringComparer.Ordinal)
        {
            ["code"] = new(SearchKind.Token, ["code"]),
            ["clinical-status"] = new(SearchKind.Token, ["clinicalStatus"]),
            ["verification-status"] = new(SearchKind.Token, ["verificationStatus"]),
            ["category"] = new(SearchKind.Token, ["category"]),
            ["criticality"] = new(SearchKind.Token, ["criticality"]),
            ["type"] = new(SearchKind.Token, ["type"]),
            ["date"] = new(SearchKind.Date, ["recordedDate"]),
            ["patient"] = new(SearchKind.Reference, ["patient"]),
        },
        ["DiagnosticReport"] = new(StringComparer.Ordinal)
        {
            ["code"] = new(SearchKind.Token, ["code"]),
            ["category"] = new(SearchKind.Token, ["category"]),
            ["status"] = new(SearchKind.Token, ["status"]),
            ["date"] = new(SearchKind.Date, ["effectiveDateTime", "effectivePeriod"]),
            ["patient"] = new(SearchKind.Reference, ["subject"]),
        },
        ["DocumentReference"] = new(StringComparer.Ordinal)
        {
            ["type"] = new(SearchKind.Token, ["type"]),
            ["category"] = new(SearchKind.Token, ["category"]),
            ["status"] = new(SearchKind.Token, ["status"]),
            ["date"] = new(SearchKind.Date, ["date"]),
            ["patient"] = new(SearchKind.Reference, ["subject"]),
        },
        ["Organization"] = new(StringComparer.Ordinal)
        {
            ["type"] = new(SearchKind.Token, ["type"]),
            ["active"] = new(SearchKind.Token, ["active"]),
        },
        ["Practitioner"] = new(StringComparer.Ordinal)
        {
            ["active"] = new(SearchKind.Token, ["active"]),
        },
    };

    public static bool TryGet(string type, string name, out SearchParameter parameter) =>
        Common.TryGetValue(name, out parameter!) || (ByType.TryGetValue(type, out var byName) && byName.TryGetValue(name, out parameter!));
}
