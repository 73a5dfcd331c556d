using System.Text;
using FhirBulk.Ndjson;
using FhirBulk.Views;

namespace FhirBulk.Tests.Views.Workshop;

/// <summary>Joins across resource types of the real Synthea sample through reference keys.</summary>
public class SyntheaJoinTests
{
    private static HashSet<object?> Keys(string resourceType) =>
    [
        .. ViewDefinitionCompiler.Compile($$"""{"resource":"{{resourceType}}","select":[{"column":[{"name":"k","path":"getResourceKey()"}]}]}""")
            .Rows(Resources.Synthea(resourceType))
            .Select(r => r[0]),
    ];

    private static List<object?> ReferenceKeys(IEnumerable<ResourceLine> lines, string resourceType, string path) =>
    [
        .. ViewDefinitionCompiler.Compile($$"""{"resource":"{{resourceType}}","select":[{"column":[{"name":"ref","path":"{{path}}"}]}]}""")
            .Rows(lines)
            .Select(r => r[0]),
    ];

    [SharedFact]
    public void GetReferenceKey_MedicationRequestEncounter_JoinsEveryRequestToAnEncounter()
    {
        var encounters = Keys("Encounter");

        var references = ReferenceKeys(Resources.Synthea("MedicationRequest"), "MedicationRequest", "encounter.getReferenceKey(Encounter)");

        Assert.Equal(1745, references.Count);
        Assert.All(references, key => Assert.Contains(key, encounters));
    }

    [SharedFact]
    public void GetReferenceKey_WrongType_GivesNoKey()
    {
        var references = ReferenceKeys(Resources.Synthea("MedicationRequest"), "MedicationRequest", "encounter.getReferenceKey(Patient)");

        Assert.All(references, Assert.Null);
    }

    [SharedFact]
    public void GetReferenceKey_ConditionalReferences_JoinEncountersToOrganizationsAndLocations()
    {
        var organizations = Keys("Organization");
        var locations = Keys("Location");

        var providers = ReferenceKeys(Resources.Synthea("Encounter"), "Encounter", "serviceProvider.getReferenceKey(Organization)");
        var places = ReferenceKeys(Resources.Synthea("Encounter"), "Encounter", "location.first().location.getReferenceKey(Location)");

        Assert.All(providers, key => Assert.Contains(key, organizations));
        Assert.All(places, key => Assert.Contains(key, locations));
    }

    [SharedFact]
    public void GetReferenceKey_UrnUuidAndAbsoluteReferences_JoinLikeRelativeOnes()
    {
        var patients = Keys("Patient");
        var urn = Resources.Synthea("Encounter").Select(l => Rewrite(l, "\"Patient/", "\"urn:uuid:"));
        var absolute = Resources.Synthea("Encounter").Select(l => Rewrite(l, "\"Patient/", "\"https://synthea.example/fhir/Patient/"));

        var viaUrn = ReferenceKeys(urn, "Encounter", "subject.getReferenceKey(Patient)");
        var viaUrl = ReferenceKeys(absolute, "Encounter", "subject.getReferenceKey(Patient)");

        Assert.Equal(1215, viaUrn.Count);
        Assert.All(viaUrn, key => Assert.Contains(key, patients));
        Assert.Equal(viaUrn, viaUrl);
    }

    [SharedFact]
    public void Evaluate_PatientsWithEncounterCounts_MatchesAJoinByHand()
    {
        var byPatient = ReferenceKeys(Resources.Synthea("Encounter"), "Encounter", "subject.getReferenceKey(Patient)")
            .GroupBy(k => k)
            .ToDictionary(g => g.Key!, g => g.Count());

        Assert.Equal(Keys("Patient").Count, byPatient.Count);
        Assert.Equal(1215, byPatient.Values.Sum());
    }

    private static ResourceLine Rewrite(ResourceLine line, string from, string to) =>
        line with { Json = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(line.Json.Span).Replace(from, to, StringComparison.Ordinal)) };
}
