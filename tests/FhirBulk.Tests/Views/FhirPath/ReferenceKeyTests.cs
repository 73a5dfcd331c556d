using CsCheck;
using FhirBulk.Views.FhirPath;

namespace FhirBulk.Tests.Views.FhirPath;

public class ReferenceKeyTests
{
    [Theory]
    [InlineData("Patient/123", null, "Patient", "123")]
    [InlineData("Patient/123/_history/4", null, "Patient", "123")]
    [InlineData("https://example.org/fhir/Patient/123", null, "Patient", "123")]
    [InlineData("https://example.org/fhir/Patient/123/_history/4", null, "Patient", "123")]
    [InlineData("urn:uuid:5c41cecf-cf81-434f-9da7-e24e5a99dbc2", null, null, "5c41cecf-cf81-434f-9da7-e24e5a99dbc2")]
    [InlineData("urn:uuid:5c41cecf-cf81-434f-9da7-e24e5a99dbc2", "Patient", "Patient", "5c41cecf-cf81-434f-9da7-e24e5a99dbc2")]
    [InlineData("urn:oid:1.2.3", null, null, "1.2.3")]
    [InlineData("Organization?identifier=https://github.com/synthetichealth/synthea|ef58ea08", null, "Organization", "ef58ea08")]
    public void Parse_ReferenceForms_GiveTypeAndId(string reference, string? declaredType, string? type, string key)
    {
        var parsed = ReferenceKey.Parse(reference, declaredType);

        Assert.Equal((type, key), parsed);
    }

    [Theory]
    [InlineData("#contained")]
    [InlineData("")]
    [InlineData("Patient")]
    [InlineData("Practitioner?name=x")]
    public void Parse_NoTarget_GivesNull(string reference) => Assert.Null(ReferenceKey.Parse(reference, null));

    [Fact]
    public void Parse_AnyIdInEveryForm_GivesTheSameKey()
    {
        var ids = Gen.String[Gen.Char["abcdefABCDEF0123456789-."], 1, 64];
        string[] typeNames = ["Patient", "Encounter", "Organization"];
        var types = Gen.Int[0, typeNames.Length - 1].Select(i => typeNames[i]);

        Gen.Select(ids, types).Sample((id, type) =>
            ReferenceKey.Parse($"{type}/{id}", null) == (type, id) &&
            ReferenceKey.Parse($"http://h/fhir/{type}/{id}", null) == (type, id) &&
            ReferenceKey.Parse($"urn:uuid:{id}", type) == (type, id));
    }
}
