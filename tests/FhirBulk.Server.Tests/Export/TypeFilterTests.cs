using System.Text.Json;
using FhirBulk.Server.Export;

namespace FhirBulk.Server.Tests.Export;

public class TypeFilterTests
{
    private const string Observation = """
        {"resourceType":"Observation","id":"o1","meta":{"lastUpdated":"2024-05-01T10:00:00Z"},"status":"final",
         "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"laboratory"}]}],
         "code":{"coding":[{"system":"http://loinc.org","code":"4548-4","display":"Hemoglobin A1c"}],"text":"HbA1c"},
         "subject":{"reference":"Patient/p1"},"effectiveDateTime":"2023-03-15T09:00:00Z"}
        """;

    private static bool Matches(string query)
    {
        Assert.True(TypeFilter.TryParse(query, out var filter, out var error), error);
        using var document = JsonDocument.Parse(Observation);
        return filter.Matches(document.RootElement);
    }

    [Theory]
    [InlineData("Observation?code=4548-4", true)]
    [InlineData("Observation?code=http://loinc.org|4548-4", true)]
    [InlineData("Observation?code=http://snomed.info/sct|4548-4", false)]
    [InlineData("Observation?code=1234-5,4548-4", true)]
    [InlineData("Observation?code:not=4548-4", false)]
    [InlineData("Observation?code:text=a1c", true)]
    [InlineData("Observation?category=laboratory&status=final", true)]
    [InlineData("Observation?category=laboratory&status=amended", false)]
    [InlineData("Observation?date=2023", true)]
    [InlineData("Observation?date=ge2023-03-15", true)]
    [InlineData("Observation?date=gt2023-03-15", false)]
    [InlineData("Observation?date=lt2023-04", true)]
    [InlineData("Observation?date=le2022", false)]
    [InlineData("Observation?date=ne2023", false)]
    [InlineData("Observation?_lastUpdated=ge2024-05-01", true)]
    [InlineData("Observation?patient=Patient/p1", true)]
    [InlineData("Observation?subject=p2", false)]
    [InlineData("Observation?_id=o1", true)]
    public void Matches_SearchSemantics(string query, bool expected) => Assert.Equal(expected, Matches(query));

    [Theory]
    [InlineData("Observation", "Type?")]
    [InlineData("Observation?", "no search parameters")]
    [InlineData("Observation?code", "name=value")]
    [InlineData("Observation?focus=x", "focus")]
    [InlineData("Observation?code:exact=x", ":exact")]
    [InlineData("Observation?date=soon", "not a FHIR date")]
    public void TryParse_Unsupported_ErrorNamesTheProblem(string query, string expected)
    {
        Assert.False(TypeFilter.TryParse(query, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }
}
