using System.Text;
using System.Text.Json;
using FhirBulk.Server.Data;

namespace FhirBulk.Server.Tests.Data;

public class ResourceHeaderTests
{
    [Fact]
    public void Read_Observation_TypeIdLastUpdatedAndPatient()
    {
        var line = """{"resourceType":"Observation","id":"o1","meta":{"versionId":"2","lastUpdated":"2024-05-01T10:00:00Z"},"code":{"coding":[{"code":"x"}]},"subject":{"reference":"Patient/p1","display":"A"}}""";
        var header = ResourceHeader.Read(Encoding.UTF8.GetBytes(line));
        Assert.Equal(("Observation", "o1", "p1"), (header.ResourceType, header.Id, header.PatientId));
        Assert.Equal(new DateTimeOffset(2024, 5, 1, 10, 0, 0, TimeSpan.Zero), header.LastUpdated);
    }

    [Theory]
    [InlineData("Patient/123", "123")]
    [InlineData("urn:uuid:abc", "abc")]
    [InlineData("http://x/fhir/Patient/9/_history/2", "9")]
    [InlineData("Group/1", null)]
    [InlineData("RelatedPatient/1", null)]
    public void PatientIdOf_ReferenceForms(string reference, string? expected) => Assert.Equal(expected, ResourceHeader.PatientIdOf(reference));

    [Fact]
    public void Read_Patient_IsItsOwnPatient()
    {
        var header = ResourceHeader.Read("""{"resourceType":"Patient","id":"p9","link":[{"other":{"reference":"Patient/x"}}]}"""u8);
        Assert.Equal("p9", header.PatientId);
    }

    [Fact]
    public void Read_NotAnObject_Throws() => Assert.ThrowsAny<JsonException>(() => ResourceHeader.Read("[1]"u8));
}
