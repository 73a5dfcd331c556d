using FhirBulk.Server.Data;
using System.Text.Json;
using FhirBulk.Server.Tests.Support;

namespace FhirBulk.Server.Tests.Export;

public class ExportParameterTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static string Q(string value) => Uri.EscapeDataString(value);

    private static string PatientOf(JsonElement resource) =>
        resource.GetProperty("resourceType").GetString() == "Patient" ? resource.GetProperty("id").GetString()!
        : (resource.TryGetProperty("subject", out var s) ? s : resource.GetProperty("patient")).GetProperty("reference").GetString()!["Patient/".Length..];

    private static DateTimeOffset LastUpdated(JsonElement resource) =>
        DateTimeOffset.Parse(resource.GetProperty("meta").GetProperty("lastUpdated").GetString()!, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task SystemExport_NoType_ExportsEveryTypeWithCounts()
    {
        var token = await fixture.TokenAsync();
        var manifest = await fixture.ExportAsync("/$export", token);
        var reference = await fixture.ReferenceDataAsync();
        var counts = manifest.GetProperty("output").EnumerateArray()
            .GroupBy(o => o.GetProperty("type").GetString()!)
            .ToDictionary(g => g.Key, g => g.Sum(o => o.GetProperty("count").GetInt64()));
        foreach (var (type, resources) in reference.Where(r => r.Key != GeneratedData.DeletedFolder))
        {
            Assert.Equal(resources.Count, counts[type]);
        }

        Assert.Equal(fixture.Server.BaseUri + "/$export", manifest.GetProperty("request").GetString());
        Assert.True(manifest.TryGetProperty("transactionTime", out _));
        Assert.Empty(manifest.GetProperty("error").EnumerateArray());
    }

    [Fact]
    public async Task Export_ManyResources_SplitsFilesAtResourcesPerFile()
    {
        var token = await fixture.TokenAsync();
        var manifest = await fixture.ExportAsync("/$export?_type=Observation", token);
        var outputs = manifest.GetProperty("output").EnumerateArray().ToList();
        Assert.True(outputs.Count > 1);
        Assert.All(outputs.SkipLast(1), o => Assert.Equal(400, o.GetProperty("count").GetInt64()));
        var downloaded = await fixture.DownloadAsync(manifest, "Observation", token);
        Assert.Equal(outputs.Sum(o => o.GetProperty("count").GetInt64()), downloaded.Count);
    }

    [Fact]
    public async Task PatientExport_NoType_LeavesOutResourcesOutsideThePatientCompartment()
    {
        var token = await fixture.TokenAsync();
        var manifest = await fixture.ExportAsync("/Patient/$export", token);
        var types = manifest.GetProperty("output").EnumerateArray().Select(o => o.GetProperty("type").GetString()).ToHashSet();
        Assert.Contains("Observation", types);
        Assert.DoesNotContain("Organization", types);
        Assert.DoesNotContain("Group", types);
    }

    [Fact]
    public async Task PatientExport_TypeNamesSupportingResource_IncludesIt()
    {
        var token = await fixture.TokenAsync();
        var manifest = await fixture.ExportAsync("/Patient/$export?_type=Patient,Practitioner", token);
        Assert.NotEmpty(await fixture.DownloadAsync(manifest, "Practitioner", token));
    }

    [Fact]
    public async Task GroupExport_ReturnsOnlyMembersResources()
    {
        var token = await fixture.TokenAsync();
        using var groups = await fixture.Http.SendAsync(fixture.Get(fixture.Server.BaseUri + "/Group", token));
        var bundle = await HttpAssert.JsonAsync(groups);
        Assert.Equal("searchset", bundle.GetProperty("type").GetString());
        var group = bundle.GetProperty("entry")[1].GetProperty("resource");
        var members = group.GetProperty("member").EnumerateArray()
            .Select(m => m.GetProperty("entity").GetProperty("reference").GetString()!["Patient/".Length..]).ToHashSet();

        var manifest = await fixture.ExportAsync($"/Group/{group.GetProperty("id").GetString()}/$export?_type=Patient,Condition,Immunization", token);
        var patients = await fixture.DownloadAsync(manifest, "Patient", token);
        Assert.Equal(members.Order(), patients.Select(p => p.GetProperty("id").GetString()!).Order());
        var conditions = await fixture.DownloadAsync(manifest, "Condition", token);
        Assert.NotEmpty(conditions);
        Assert.All(conditions.Concat(await fixture.DownloadAsync(manifest, "Immunization", token)), r => Assert.Contains(PatientOf(r), members));
    }

    [Fact]
    public async Task GroupExport_PostPatientParameter_IntersectsWithMembers()
    {
        var reference = await fixture.ReferenceDataAsync();
        var group = reference["Group"][0];
        var member = group.GetProperty("member")[0].GetProperty("entity").GetProperty("reference").GetString()!;
        var outsider = reference["Patient"].Select(p => "Patient/" + p.GetProperty("id").GetString())
            .First(p => !group.GetProperty("member").EnumerateArray().Any(m => m.GetProperty("entity").GetProperty("reference").GetString() == p));
        var token = await fixture.TokenAsync();
        var request = fixture.Kickoff($"{fixture.Server.BaseUri}/Group/{group.GetProperty("id").GetString()}/$export", token, HttpMethod.Post);
        request.Content = KickoffValidationTests.Parameters(
            ("_type", """{"valueString":"Patient"}"""),
            ("patient", $$$"""{"valueReference":{"reference":"{{{member}}}"}}"""),
            ("patient", $$$"""{"valueReference":{"reference":"{{{outsider}}}"}}"""));
        using var response = await fixture.Http.SendAsync(request);
        var manifest = await fixture.WaitForManifestAsync(response.Content.Headers.ContentLocation!.ToString(), token);
        var patients = await fixture.DownloadAsync(manifest, "Patient", token);
        Assert.Equal(member, "Patient/" + patients.Single().GetProperty("id").GetString());
    }

    [Fact]
    public async Task GroupExport_TypeFilterAndEs384Client_FiltersWithinGroup()
    {
        using var tokenResponse = await fixture.RequestTokenAsync(fixture.Assertion(fixture.EcClientId).Sign(fixture.EcKeys), "system/*.rs");
        var token = (await HttpAssert.JsonAsync(tokenResponse)).GetProperty("access_token").GetString();
        var reference = await fixture.ReferenceDataAsync();
        var group = reference["Group"][0];
        var members = group.GetProperty("member").EnumerateArray().Select(m => m.GetProperty("entity").GetProperty("reference").GetString()!).ToHashSet();
        var manifest = await fixture.ExportAsync($"/Group/{group.GetProperty("id").GetString()}/$export?_type=Condition&_typeFilter=" + Q("Condition?clinical-status=active"), token);
        var conditions = await fixture.DownloadAsync(manifest, "Condition", token);
        var expected = reference["Condition"].Count(c => members.Contains(c.GetProperty("subject").GetProperty("reference").GetString()!)
            && c.GetProperty("clinicalStatus").GetProperty("coding")[0].GetProperty("code").GetString() == "active");
        Assert.Equal(expected, conditions.Count);
    }

    [Fact]
    public async Task GroupRead_ById_ReturnsGroup()
    {
        var reference = await fixture.ReferenceDataAsync();
        var id = reference["Group"][0].GetProperty("id").GetString();
        using var response = await fixture.Http.SendAsync(fixture.Get($"{fixture.Server.BaseUri}/Group/{id}", await fixture.TokenAsync()));
        Assert.Equal(id, (await HttpAssert.JsonAsync(response)).GetProperty("id").GetString());
        using var missing = await fixture.Http.SendAsync(fixture.Get($"{fixture.Server.BaseUri}/Group/missing", await fixture.TokenAsync()));
        await HttpAssert.AssertOutcomeAsync(missing, 404);
    }

    [Fact]
    public async Task PatientExport_PostPatientParameter_OnlyThosePatients()
    {
        var reference = await fixture.ReferenceDataAsync();
        var chosen = reference["Patient"].Take(2).Select(p => p.GetProperty("id").GetString()!).ToList();
        var token = await fixture.TokenAsync();
        var request = fixture.Kickoff(fixture.Server.BaseUri + "/Patient/$export", token, HttpMethod.Post);
        request.Content = KickoffValidationTests.Parameters(
            ("_type", """{"valueString":"Patient,Encounter"}"""),
            ("patient", $$$"""{"valueReference":{"reference":"Patient/{{{chosen[0]}}}"}}"""),
            ("patient", $$$"""{"valueReference":{"reference":"Patient/{{{chosen[1]}}}"}}"""));
        using var response = await fixture.Http.SendAsync(request);
        Assert.Equal(202, (int)response.StatusCode);
        var manifest = await fixture.WaitForManifestAsync(response.Content.Headers.ContentLocation!.ToString(), token);
        var patients = await fixture.DownloadAsync(manifest, "Patient", token);
        Assert.Equal(chosen.Order(), patients.Select(p => p.GetProperty("id").GetString()!).Order());
        var encounters = await fixture.DownloadAsync(manifest, "Encounter", token);
        Assert.Equal(reference["Encounter"].Count(e => chosen.Contains(PatientOf(e))), encounters.Count);
    }

    [Fact]
    public async Task Export_Since_ReturnsOnlyLaterResourcesAndDeletions()
    {
        var since = new DateTimeOffset(2024, 6, 1, 0, 0, 0, TimeSpan.Zero);
        var token = await fixture.TokenAsync();
        var manifest = await fixture.ExportAsync("/$export?_type=Observation,Condition&_since=" + Q("2024-06-01T00:00:00Z"), token);
        var reference = await fixture.ReferenceDataAsync();
        var observations = await fixture.DownloadAsync(manifest, "Observation", token);
        Assert.Equal(reference["Observation"].Count(o => LastUpdated(o) > since), observations.Count);
        Assert.All(observations, o => Assert.True(LastUpdated(o) > since));

        var expectedDeleted = reference[GeneratedData.DeletedFolder].Count(d => LastUpdated(d) > since
            && d.GetProperty("entry")[0].GetProperty("request").GetProperty("url").GetString()!.Split('/')[0] is "Observation" or "Condition");
        var deleted = manifest.GetProperty("deleted").EnumerateArray().ToList();
        Assert.Equal(expectedDeleted, deleted.Sum(d => d.GetProperty("count").GetInt64()));
        Assert.All(deleted, d => Assert.Equal("Bundle", d.GetProperty("type").GetString()));
        Assert.True(expectedDeleted > 0, "the generator marks some resources deleted");
    }

    [Fact]
    public async Task Export_Until_ExcludesLaterResources()
    {
        var until = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var token = await fixture.TokenAsync();
        var manifest = await fixture.ExportAsync("/$export?_type=Encounter&_until=" + Q("2020-01-01T00:00:00Z"), token);
        var reference = await fixture.ReferenceDataAsync();
        Assert.Equal(reference["Encounter"].Count(o => LastUpdated(o) <= until), (await fixture.DownloadAsync(manifest, "Encounter", token)).Count);
        Assert.False(manifest.TryGetProperty("deleted", out _));
    }

    [Fact]
    public async Task Export_Elements_KeepsListedElementsAndTagsSubsetted()
    {
        var token = await fixture.TokenAsync();
        var manifest = await fixture.ExportAsync("/$export?_type=Patient,Condition&_elements=Patient.gender,birthDate", token);
        var patient = (await fixture.DownloadAsync(manifest, "Patient", token))[0];
        var names = patient.EnumerateObject().Select(p => p.Name).Order().ToList();
        Assert.Equal(["birthDate", "gender", "id", "meta", "resourceType"], names);
        var tag = patient.GetProperty("meta").GetProperty("tag")[0];
        Assert.Equal("SUBSETTED", tag.GetProperty("code").GetString());
        Assert.True(patient.GetProperty("meta").TryGetProperty("lastUpdated", out _));

        // "birthDate" applies to every type; Condition has none, so only the mandatory elements remain.
        var condition = (await fixture.DownloadAsync(manifest, "Condition", token))[0];
        Assert.Equal(["id", "meta", "resourceType"], condition.EnumerateObject().Select(p => p.Name).Order().ToList());
    }

    [Fact]
    public async Task Export_TypeFilterTokenAndDate_ReturnsMatchingOnly()
    {
        var token = await fixture.TokenAsync();
        var filter = "Observation?code=http://loinc.org|72166-2&date=ge2020-01-01,Condition?clinical-status=active";
        var manifest = await fixture.ExportAsync("/$export?_type=Observation,Condition,Patient&_typeFilter=" + Q(filter), token);
        var reference = await fixture.ReferenceDataAsync();
        var smoking = await fixture.DownloadAsync(manifest, "Observation", token);
        var expected = reference["Observation"].Count(o => o.GetProperty("code").GetProperty("coding")[0].GetProperty("code").GetString() == "72166-2"
            && string.CompareOrdinal(o.GetProperty("effectiveDateTime").GetString(), "2020-01-01") >= 0);
        Assert.Equal(expected, smoking.Count);
        Assert.True(expected > 0);
        var conditions = await fixture.DownloadAsync(manifest, "Condition", token);
        Assert.All(conditions, c => Assert.Equal("active", c.GetProperty("clinicalStatus").GetProperty("coding")[0].GetProperty("code").GetString()));
        Assert.Equal(reference["Patient"].Count, (await fixture.DownloadAsync(manifest, "Patient", token)).Count);
    }

    [Fact]
    public async Task Export_TypeFilterRepeatedForType_OrsTheQueries()
    {
        var token = await fixture.TokenAsync();
        var manifest = await fixture.ExportAsync(
            "/$export?_type=Immunization&_typeFilter=" + Q("Immunization?vaccine-code=140") + "&_typeFilter=" + Q("Immunization?vaccine-code=http://hl7.org/fhir/sid/cvx|08"), token);
        var reference = await fixture.ReferenceDataAsync();
        var codes = (await fixture.DownloadAsync(manifest, "Immunization", token)).Select(i => i.GetProperty("vaccineCode").GetProperty("coding")[0].GetProperty("code").GetString()).ToList();
        Assert.Equal(reference["Immunization"].Count(i => i.GetProperty("vaccineCode").GetProperty("coding")[0].GetProperty("code").GetString() is "140" or "08"), codes.Count);
        Assert.Contains("140", codes);
    }

    [Fact]
    public async Task Export_LenientWithUnsupportedFilter_ReportsItInErrors()
    {
        var token = await fixture.TokenAsync();
        var request = fixture.Kickoff(fixture.Server.BaseUri + "/$export?_type=Patient&madeUp=1&_typeFilter=" + Q("Patient?name=Smith"), token);
        request.Headers.Remove("Prefer");
        request.Headers.Add("Prefer", "respond-async, handling=lenient");
        using var response = await fixture.Http.SendAsync(request);
        Assert.Equal(202, (int)response.StatusCode);
        var manifest = await fixture.WaitForManifestAsync(response.Content.Headers.ContentLocation!.ToString(), token);
        var error = manifest.GetProperty("error").EnumerateArray().Single();
        Assert.Equal("OperationOutcome", error.GetProperty("type").GetString());
        using var outcomes = await fixture.Http.SendAsync(fixture.Get(error.GetProperty("url").GetString()!, token));
        var text = await outcomes.Content.ReadAsStringAsync();
        Assert.Contains("madeUp", text, StringComparison.Ordinal);
        Assert.Contains("name", text, StringComparison.Ordinal);
        Assert.Equal(40, (await fixture.DownloadAsync(manifest, "Patient", token)).Count);
    }

    [Fact]
    public async Task Export_IncludeAssociatedDataWithoutProvenance_SaysSoInErrors()
    {
        var token = await fixture.TokenAsync();
        var manifest = await fixture.ExportAsync("/$export?_type=Patient&includeAssociatedData=LatestProvenanceResources", token);
        Assert.Equal(40, (await fixture.DownloadAsync(manifest, "Patient", token)).Count);
        using var response = await fixture.Http.SendAsync(fixture.Get(manifest.GetProperty("error")[0].GetProperty("url").GetString()!, token));
        var outcome = await response.Content.ReadAsStringAsync();
        Assert.Contains("\"severity\":\"information\"", outcome, StringComparison.Ordinal);
        Assert.Contains("no Provenance", outcome, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PatientExport_OrganizeOutputByPatient_BlocksLedByHeaders()
    {
        var token = await fixture.TokenAsync();
        var manifest = await fixture.ExportAsync("/Patient/$export?_type=Patient,Condition,Encounter&organizeOutputBy=Patient", token);
        Assert.Equal("Patient", manifest.GetProperty("outputOrganizedBy").GetString());
        var outputs = manifest.GetProperty("output").EnumerateArray().ToList();
        Assert.All(outputs, o => Assert.False(o.TryGetProperty("type", out _)));
        var seen = new HashSet<string>();
        foreach (var output in outputs)
        {
            using var response = await fixture.Http.SendAsync(fixture.Get(output.GetProperty("url").GetString()!, token));
            string? current = null;
            var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal("Parameters", JsonDocument.Parse(lines[0]).RootElement.GetProperty("resourceType").GetString());
            foreach (var line in lines)
            {
                var resource = JsonDocument.Parse(line).RootElement;
                if (resource.GetProperty("resourceType").GetString() == "Parameters")
                {
                    current = resource.GetProperty("parameter")[0].GetProperty("valueReference").GetProperty("reference").GetString()!["Patient/".Length..];
                    Assert.True(seen.Add(current), "a patient's block appears once, never split across files");
                    continue;
                }

                Assert.Equal(current, PatientOf(resource));
            }
        }

        Assert.Equal(40, seen.Count);
    }
}
