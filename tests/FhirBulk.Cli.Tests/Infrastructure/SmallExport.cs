namespace FhirBulk.Cli.Tests.Infrastructure;

/// <summary>
/// A tiny hand-written export folder with known answers: three patients, references in both
/// relative and urn:uuid form, one repeated diagnosis, one malformed line when asked. Its dateTimes
/// have a time and a zone, as the workshop views' TIMESTAMP WITH TIME ZONE columns need.
/// </summary>
public static class SmallExport
{
    public static string Write(TempFolder folder, bool withMalformedLine = false)
    {
        var dir = System.IO.Path.Combine(folder.Path, "export");
        Directory.CreateDirectory(dir);
        File.WriteAllLines(System.IO.Path.Combine(dir, "Patient.000.ndjson"),
        [
            """{"resourceType":"Patient","id":"p1","gender":"female","birthDate":"1970-01-02","maritalStatus":{"coding":[{"code":"M"}]}}""",
            """{"resourceType":"Patient","id":"p2","gender":"male","birthDate":"1980-03-04"}""",
            """{"resourceType":"Patient","id":"p3","gender":"female","birthDate":"1990-05-06"}""",
        ]);
        File.WriteAllLines(System.IO.Path.Combine(dir, "Immunization.000.ndjson"),
        [
            """{"resourceType":"Immunization","id":"i1","status":"completed","patient":{"reference":"Patient/p1"},"vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"140","display":"Influenza, seasonal"}]}}""",
            """{"resourceType":"Immunization","id":"i2","status":"completed","patient":{"reference":"Patient/p1"},"vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"158","display":"Influenza, injectable, quadrivalent"}]}}""",
            """{"resourceType":"Immunization","id":"i3","status":"completed","patient":{"reference":"urn:uuid:p2"},"vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"140"}]}}""",
            """{"resourceType":"Immunization","id":"i4","status":"not-done","patient":{"reference":"Patient/p3"},"vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"140"}]}}""",
            """{"resourceType":"Immunization","id":"i5","status":"completed","patient":{"reference":"Patient/p3"},"vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"08","display":"Hep B"}]}}""",
        ]);
        File.WriteAllLines(System.IO.Path.Combine(dir, "Condition.000.ndjson"),
        [
            """{"resourceType":"Condition","id":"c1","subject":{"reference":"Patient/p1"},"code":{"coding":[{"code":"44054006","display":"Diabetes"}]},"onsetDateTime":"2001-01-01T09:30:00+01:00"}""",
            """{"resourceType":"Condition","id":"c2","subject":{"reference":"Patient/p1"},"code":{"coding":[{"code":"44054006","display":"Diabetes"}]},"onsetDateTime":"2005-01-01T09:30:00+01:00"}""",
            """{"resourceType":"Condition","id":"c3","subject":{"reference":"urn:uuid:p2"},"code":{"coding":[{"code":"44054006","display":"Diabetes"}]},"onsetDateTime":"2002-01-01T09:30:00+01:00"}""",
            """{"resourceType":"Condition","id":"c4","subject":{"reference":"Patient/p3"},"code":{"coding":[{"code":"38341003","display":"Hypertension"}]},"onsetDateTime":"2003-01-01T09:30:00+01:00"}""",
        ]);
        File.WriteAllLines(System.IO.Path.Combine(dir, "Encounter.000.ndjson"),
        [
            """{"resourceType":"Encounter","id":"e1","subject":{"reference":"Patient/p1"},"class":{"code":"AMB"},"type":[{"coding":[{"code":"185349003","display":"Check up"}]}]}""",
            """{"resourceType":"Encounter","id":"e2","subject":{"reference":"Patient/p2"},"class":{"code":"AMB"},"type":[{"coding":[{"code":"185345009","display":"Symptom"}]}]}""",
            """{"resourceType":"Encounter","id":"e3","subject":{"reference":"Patient/p3"},"class":{"code":"EMER"},"type":[{"coding":[{"code":"50849002","display":"Emergency"}]}]}""",
        ]);
        var medicationRequests = new List<string>
        {
            """{"resourceType":"MedicationRequest","id":"m1","status":"active","subject":{"reference":"Patient/p1"},"encounter":{"reference":"Encounter/e1"},"medicationCodeableConcept":{"coding":[{"code":"860975","display":"Metformin"}]}}""",
            """{"resourceType":"MedicationRequest","id":"m2","status":"active","subject":{"reference":"Patient/p1"},"encounter":{"reference":"urn:uuid:e1"},"medicationCodeableConcept":{"coding":[{"code":"860975","display":"Metformin"}]}}""",
            """{"resourceType":"MedicationRequest","id":"m3","status":"active","subject":{"reference":"Patient/p2"},"encounter":{"reference":"urn:uuid:e2"},"medicationCodeableConcept":{"coding":[{"code":"860975","display":"Metformin"}]}}""",
            """{"resourceType":"MedicationRequest","id":"m4","status":"active","subject":{"reference":"Patient/p3"},"encounter":{"reference":"Encounter/e3"},"medicationCodeableConcept":{"coding":[{"code":"314076","display":"Lisinopril"}]}}""",
        };
        if (withMalformedLine)
        {
            medicationRequests.Add("""{"resourceType":"MedicationRequest", this is not json""");
        }

        File.WriteAllLines(System.IO.Path.Combine(dir, "MedicationRequest.000.ndjson"), medicationRequests);
        return dir;
    }
}
