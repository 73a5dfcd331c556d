using System.Text.Json;
using FhirBulk.Ndjson;

namespace FhirBulk.Sync;

/// <summary>The two keys a sync table's rows carry: the resource they came from, and the patient it belongs to.</summary>
internal static class ResourceKeys
{
    public const string PatientPrefix = "Patient/";

    /// <summary>
    /// Elements that hold the patient a resource belongs to, in the order they are looked at: <c>subject</c> (Observation,
    /// Encounter, Condition, MedicationRequest, Procedure, DiagnosticReport, …) and <c>patient</c> (Immunization,
    /// AllergyIntolerance, Claim, …). Only a reference to a Patient counts.
    /// </summary>
    private static readonly string[] PatientElements = ["subject", "patient"];

    /// <summary><c>Type/id</c>, what FHIRPath's <c>getResourceKey()</c> gives, made unique across types.</summary>
    public static string Of(ResourceLine resource) => resource.ResourceType + "/" + resource.Id;

    /// <summary><c>Patient/id</c> of the patient <paramref name="resource"/> belongs to: a Patient itself, else its subject or patient reference; null for none.</summary>
    public static string? PatientOf(ResourceLine resource)
    {
        if (resource.ResourceType == "Patient")
        {
            return Of(resource);
        }

        var reader = new Utf8JsonReader(resource.Json.Span);
        using var document = JsonDocument.ParseValue(ref reader);
        foreach (var name in PatientElements)
        {
            if (document.RootElement.TryGetProperty(name, out var element) && element.ValueKind == JsonValueKind.Object
                && element.TryGetProperty("reference", out var reference) && reference.ValueKind == JsonValueKind.String
                && FromUrl(reference.GetString()!) is { } key && key.StartsWith(PatientPrefix, StringComparison.Ordinal))
            {
                return key;
            }
        }

        return null;
    }

    /// <summary>
    /// <c>Type/id</c> of a reference or request URL: relative (<c>Patient/1</c>), absolute (<c>https://x/fhir/Patient/1</c>) or
    /// versioned (<c>Patient/1/_history/2</c>); null when it names no resource.
    /// </summary>
    public static string? FromUrl(string url)
    {
        var path = url.Split('?', '#')[0];
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var end = Array.IndexOf(segments, "_history") is var history and >= 0 ? history : segments.Length;
        return end >= 2 ? segments[end - 2] + "/" + segments[end - 1] : null;
    }
}
