using System.Text;
using FhirBulk.Ndjson;
using FhirBulk.Sync;

namespace FhirBulk.Tests.Sync;

public class ResourceKeysTests
{
    private static ResourceLine Line(string json, string type, string id) => new(type, id, Encoding.UTF8.GetBytes(json), "test.ndjson", 1);

    [Theory]
    [InlineData("Patient/123", "Patient/123")]
    [InlineData("https://example.org/fhir/Observation/o-1", "Observation/o-1")]
    [InlineData("Condition/c1/_history/3", "Condition/c1")]
    [InlineData("Patient/p1?_format=json", "Patient/p1")]
    [InlineData("p1", null)]
    public void FromUrl_RelativeAbsoluteVersionedOrBare_TypeSlashIdOrNull(string url, string? expected) =>
        Assert.Equal(expected, ResourceKeys.FromUrl(url));

    [Theory]
    [InlineData("""{"resourceType":"Patient","id":"p1"}""", "Patient", "p1", "Patient/p1")]
    [InlineData("""{"resourceType":"Observation","id":"o1","subject":{"reference":"Patient/p2"}}""", "Observation", "o1", "Patient/p2")]
    [InlineData("""{"resourceType":"Immunization","id":"i1","patient":{"reference":"Patient/p3"}}""", "Immunization", "i1", "Patient/p3")]
    [InlineData("""{"resourceType":"Observation","id":"o2","subject":{"reference":"Group/g1"}}""", "Observation", "o2", null)]
    [InlineData("""{"resourceType":"Medication","id":"m1"}""", "Medication", "m1", null)]
    public void PatientOf_PatientSubjectPatientOrNone_PatientKey(string json, string type, string id, string? expected) =>
        Assert.Equal(expected, ResourceKeys.PatientOf(Line(json, type, id)));
}
