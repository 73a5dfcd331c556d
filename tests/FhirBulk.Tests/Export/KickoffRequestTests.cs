using FhirBulk.Export;

namespace FhirBulk.Tests.Export;

public class KickoffRequestTests
{
    private static readonly Uri Base = new("https://x.org/fhir");

    [Theory]
    [InlineData(ExportLevel.System, null, "https://x.org/fhir/$export")]
    [InlineData(ExportLevel.Patient, null, "https://x.org/fhir/Patient/$export")]
    [InlineData(ExportLevel.Group, "g 1", "https://x.org/fhir/Group/g%201/$export")]
    public void Endpoint_Level_IsTheIgKickoffUrl(ExportLevel level, string? group, string expected) =>
        Assert.Equal(expected, KickoffRequest.Endpoint(Base, new ExportRequest { Level = level, GroupId = group }).AbsoluteUri);

    [Fact]
    public void Create_Get_SendsExactHeadersAndEveryParameter()
    {
        var request = new ExportRequest
        {
            Types = ["Patient", "Observation"],
            Since = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
            TypeFilters = ["Observation?code=1", "Patient?gender=female"],
            Elements = ["id"],
            OrganizeOutputBy = "Patient",
            AllowPartialManifests = true,
        };

        using var message = KickoffRequest.Create(KickoffRequest.Endpoint(Base, request), request);

        Assert.Equal(HttpMethod.Get, message.Method);
        Assert.Equal("application/fhir+json", string.Join(",", message.Headers.GetValues("Accept")));
        Assert.Equal("respond-async", string.Join(",", message.Headers.GetValues("Prefer")));
        Assert.Equal(
            "?_type=Patient%2CObservation&_since=2026-01-02T03%3A04%3A05.000Z&_elements=id&_typeFilter=Observation%3Fcode%3D1&_typeFilter=Patient%3Fgender%3Dfemale&organizeOutputBy=Patient&allowPartialManifests=true",
            message.RequestUri!.Query);
    }

    [Theory]
    [InlineData("2026-01-08T00:00:00.000Z", "2026-01-08T00:00:00.000Z")]
    [InlineData("2026-01-08T00:00:00.1234567Z", "2026-01-08T00:00:00.1234567Z")]
    [InlineData("2026-01-08T02:00:00.5+02:00", "2026-01-08T00:00:00.500Z")]
    public void Parameters_SinceFinerThanMilliseconds_SentExactlyNotCut(string since, string sent)
    {
        var parameters = KickoffRequest.Parameters(new ExportRequest { Since = DateTimeOffset.Parse(since, System.Globalization.CultureInfo.InvariantCulture) });

        Assert.Contains(("_since", sent), parameters);
    }

    [Fact]
    public async Task Create_PatientsGiven_PostsParametersWithReferences()
    {
        var request = new ExportRequest { Patients = ["Patient/1"], Lenient = true };

        using var message = KickoffRequest.Create(KickoffRequest.Endpoint(Base, request), request);

        Assert.Equal(HttpMethod.Post, message.Method);
        Assert.Equal("respond-async, handling=lenient", string.Join(",", message.Headers.GetValues("Prefer")));
        var body = await message.Content!.ReadAsStringAsync();
        Assert.Contains("\"resourceType\":\"Parameters\"", body, StringComparison.Ordinal);
        Assert.Contains("{\"name\":\"patient\",\"valueReference\":{\"reference\":\"Patient/1\"}}", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_PatientGivenAsABareId_SentAsAPatientReference()
    {
        // The IG's patient parameter is a reference: a server refuses a bare id (400, "not a Patient reference").
        var request = new ExportRequest { Patients = ["123"] };

        using var message = KickoffRequest.Create(KickoffRequest.Endpoint(Base, request), request);

        var body = await message.Content!.ReadAsStringAsync();
        Assert.Contains("{\"name\":\"patient\",\"valueReference\":{\"reference\":\"Patient/123\"}}", body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("123", "Patient/123")]
    [InlineData(" 123 ", "Patient/123")]
    [InlineData("Patient/123", "Patient/123")]
    [InlineData("https://x.org/fhir/Patient/123", "https://x.org/fhir/Patient/123")]
    [InlineData("Patient/123/_history/2", "Patient/123/_history/2")]
    [InlineData("urn:uuid:8f1c", "urn:uuid:8f1c")]
    public void PatientReference_IdOrPatientReference_TheReferenceToSend(string given, string expected) =>
        Assert.Equal(expected, ExportRequest.PatientReference(given));

    [Theory]
    [InlineData("Group/x", "'Group/x' refers to a Group, not a Patient; give a patient id (123) or a Patient reference (Patient/123).")]
    [InlineData("https://x.org/fhir/Practitioner/7", "'https://x.org/fhir/Practitioner/7' refers to a Practitioner, not a Patient;")]
    [InlineData("", "'' is neither a patient id (123) nor a Patient reference (Patient/123).")]
    [InlineData("Patient/", "'Patient/' is neither a patient id (123) nor a Patient reference (Patient/123).")]
    public void PatientReference_AnotherTypeOrNothing_RefusedSayingWhatIsExpected(string given, string expected)
    {
        var exception = Assert.Throws<ArgumentException>(() => ExportRequest.PatientReference(given));

        Assert.StartsWith(expected, exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_PatientOfAnotherType_Throws() =>
        Assert.Throws<ArgumentException>(() => new ExportRequest { Patients = ["Group/x"] }.Validate());

    [Fact]
    public void Validate_GroupWithoutId_Throws() =>
        Assert.Throws<ArgumentException>(() => new ExportRequest { Level = ExportLevel.Group }.Validate());
}
