using System.Text.Json;

namespace FhirBulk.Server.Data.Generation;

/// <summary>The Patient resource: identifiers, name, contact, address, marital status and care providers.</summary>
internal sealed partial class PatientHistory
{
    private async ValueTask WritePatientAsync()
    {
        var json = Begin("Patient", _id, _context.ReferenceDate.AddDays(-_random.Next(1, 400)), deletable: false)!;
        WriteRaceAndEthnicity(json);
        json.WriteStartArray("identifier"u8);
        json.WriteStartObject();
        json.WriteStartObject("type"u8);
        json.WriteStartArray("coding"u8);
        json.WriteStartObject();
        json.WriteString("system"u8, "http://terminology.hl7.org/CodeSystem/v2-0203");
        json.WriteString("code"u8, "MR");
        json.WriteString("display"u8, "Medical Record Number");
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteString("system"u8, "http://hospital.smarthealthit.org");
        json.WriteString("value"u8, _id);
        json.WriteEndObject();
        json.WriteEndArray();

        var space = _display.IndexOf(' ', StringComparison.Ordinal);
        json.WriteStartArray("name"u8);
        json.WriteStartObject();
        json.WriteString("use"u8, "official");
        json.WriteString("family"u8, _display[(space + 1)..]);
        json.WriteStartArray("given"u8);
        json.WriteStringValue(_display[..space]);
        json.WriteEndArray();
        if (AgeAt(_context.ReferenceDate) >= 18)
        {
            json.WriteStartArray("prefix"u8);
            json.WriteStringValue(_female ? "Ms." : "Mr.");
            json.WriteEndArray();
        }

        json.WriteEndObject();
        json.WriteEndArray();

        json.WriteStartArray("telecom"u8);
        json.WriteStartObject();
        json.WriteString("system"u8, "phone");
        json.WriteString("value"u8, $"555-{_random.Next(100, 999)}-{_random.Next(1000, 9999)}");
        json.WriteString("use"u8, "home");
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteString("gender"u8, _female ? "female" : "male");
        json.WriteString("birthDate"u8, FhirJsonWriterExtensions.FormatDate(_birth));

        var (city, zip) = _random.Pick(Terminology.Cities);
        json.WriteStartArray("address"u8);
        json.WriteStartObject();
        json.WriteStartArray("line"u8);
        json.WriteStringValue($"{_random.Next(1, 999)} {_random.Pick(Terminology.Streets)}");
        json.WriteEndArray();
        json.WriteString("city"u8, city);
        json.WriteString("state"u8, "MA");
        json.WriteString("postalCode"u8, zip);
        json.WriteString("country"u8, "US");
        json.WriteEndObject();
        json.WriteEndArray();

        var (code, display) = MaritalStatus();
        json.WriteStartObject("maritalStatus"u8);
        json.WriteStartArray("coding"u8);
        json.WriteStartObject();
        json.WriteString("system"u8, "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus");
        json.WriteString("code"u8, code);
        json.WriteString("display"u8, display);
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteString("text"u8, display);
        json.WriteEndObject();

        json.WriteStartArray("communication"u8);
        json.WriteStartObject();
        json.WriteCodeableConcept("language"u8, new Code("urn:ietf:bcp:47", "en-US", "English (United States)"));
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteStartArray("generalPractitioner"u8);
        json.WriteStartObject();
        json.WriteReferenceValue("Practitioner", _context.Practitioners[_practitioner].Id);
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteReference("managingOrganization"u8, "Organization", _context.Organizations[_organization].Id);
        await EndAsync("Patient");
    }

    /// <summary>US Core race and ethnicity extensions (OMB categories), as Synthea writes them.</summary>
    private void WriteRaceAndEthnicity(Utf8JsonWriter json)
    {
        var race = Pick(Terminology.Races);
        var hispanic = _random.Chance(Terminology.HispanicShare);
        json.WriteStartArray("extension"u8);
        WriteOmbExtension(json, "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race", race.Code, race.Display);
        WriteOmbExtension(json, "http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity",
            hispanic ? "2135-2" : "2186-5", hispanic ? "Hispanic or Latino" : "Not Hispanic or Latino");
        json.WriteEndArray();
    }

    private static void WriteOmbExtension(Utf8JsonWriter json, string url, string code, string display)
    {
        json.WriteStartObject();
        json.WriteString("url"u8, url);
        json.WriteStartArray("extension"u8);
        json.WriteStartObject();
        json.WriteString("url"u8, "ombCategory");
        json.WriteStartObject("valueCoding"u8);
        json.WriteString("system"u8, "urn:oid:2.16.840.1.113883.6.238");
        json.WriteString("code"u8, code);
        json.WriteString("display"u8, display);
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteStartObject();
        json.WriteString("url"u8, "text");
        json.WriteString("valueString"u8, display);
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private (string Code, string Display) Pick(IReadOnlyList<(string Code, string Display, double Share)> weighted)
    {
        var draw = _random.NextDouble();
        foreach (var (code, display, share) in weighted)
        {
            draw -= share;
            if (draw < 0)
            {
                return (code, display);
            }
        }

        return (weighted[0].Code, weighted[0].Display);
    }

    private (string Code, string Display) MaritalStatus() =>
        AgeAt(_context.ReferenceDate) < 18 ? ("S", "Never Married") : Pick(Terminology.MaritalStatuses);
}
