using FhirBulk.Server.Tests.Support;

namespace FhirBulk.Server.Tests.Data;

public class DataFolderTests
{
    [SyntheaSampleFact]
    public async Task DataDirectory_SyntheaSample_ServedByTypeAndPatient()
    {
        var folder = SharedData.SyntheaSample!;
        await using var fixture = await ServerFixture.StartAsync(new BulkDataServerOptions { DataDirectory = folder, RequireAuth = false, ResourcesPerFile = 500 });
        var manifest = await fixture.ExportAsync("/Patient/$export?_type=Patient,Immunization,Procedure", token: null);
        var counts = manifest.GetProperty("output").EnumerateArray().GroupBy(o => o.GetProperty("type").GetString()!)
            .ToDictionary(g => g.Key, g => g.Sum(o => o.GetProperty("count").GetInt64()));
        Assert.Equal(File.ReadLines(Path.Combine(folder, "Patient.000.ndjson")).Count(), counts["Patient"]);
        Assert.Equal(File.ReadLines(Path.Combine(folder, "Immunization.000.ndjson")).Count(), counts["Immunization"]);
        Assert.Equal(5, manifest.GetProperty("output").EnumerateArray().Count(o => o.GetProperty("type").GetString() == "Procedure"));

        // The log file is not a resource type and system exports include supporting types.
        var system = await fixture.ExportAsync("/$export", token: null);
        var types = system.GetProperty("output").EnumerateArray().Select(o => o.GetProperty("type").GetString()).ToHashSet();
        Assert.Contains("Organization", types);
        Assert.DoesNotContain("log", types);
    }

    [Fact]
    public async Task DataDirectory_BadLines_ReportedInErrorsWithFileAndLine()
    {
        var folder = Path.Combine(Path.GetTempPath(), "fhirbulk-bad-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder, "Patient.ndjson"),
                "{\"resourceType\":\"Patient\",\"id\":\"a\"}\r\n\n{not json}\n{\"resourceType\":\"Observation\",\"id\":\"x\",\"subject\":{\"reference\":\"Patient/a\"}}\n{\"resourceType\":\"Patient\",\"id\":\"b\"}");
            await using var fixture = await ServerFixture.StartAsync(new BulkDataServerOptions { DataDirectory = folder, RequireAuth = false });
            var manifest = await fixture.ExportAsync("/$export", token: null);
            Assert.Equal(2, manifest.GetProperty("output")[0].GetProperty("count").GetInt32());
            var errors = await fixture.Http.GetStringAsync(manifest.GetProperty("error")[0].GetProperty("url").GetString()!);
            Assert.Contains("Patient.ndjson line 3", errors, StringComparison.Ordinal);
            Assert.Contains("Patient.ndjson line 4", errors, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task DataDirectory_UnreadableGroupLine_OtherGroupsStillServed()
    {
        // Regression: GroupReader read every Group line unguarded, so one bad line made GET /fhir/Group
        // and every Group kick-off a 500.
        var folder = Path.Combine(Path.GetTempPath(), "fhirbulk-badgroup-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder, "Patient.ndjson"), "{\"resourceType\":\"Patient\",\"id\":\"a\"}\n");
            await File.WriteAllTextAsync(Path.Combine(folder, "Group.ndjson"),
                "{not json}\n{\"resourceType\":\"Group\",\"id\":7}\n{\"resourceType\":\"Group\",\"id\":\"g\",\"member\":[{\"entity\":{\"reference\":\"Patient/a\"}}]}\n");
            await using var fixture = await ServerFixture.StartAsync(new BulkDataServerOptions { DataDirectory = folder, RequireAuth = false });
            var manifest = await fixture.ExportAsync("/Group/g/$export?_type=Patient", token: null);
            Assert.Equal(1, manifest.GetProperty("output")[0].GetProperty("count").GetInt32());
            using var search = await fixture.Http.SendAsync(fixture.Get(fixture.Server.BaseUri + "/Group", null));
            Assert.Equal(200, (int)search.StatusCode);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task DataDirectory_GroupWithMalformedMembers_ExportsTheWellFormedOnes()
    {
        // Regression: a member whose reference was not a string (or a member that was not an object) made the kick-off a 500.
        var folder = Path.Combine(Path.GetTempPath(), "fhirbulk-badmember-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder, "Patient.ndjson"), "{\"resourceType\":\"Patient\",\"id\":\"a\"}\n{\"resourceType\":\"Patient\",\"id\":\"b\"}\n");
            await File.WriteAllTextAsync(Path.Combine(folder, "Group.ndjson"),
                "{\"resourceType\":\"Group\",\"id\":\"g\",\"member\":[7,{\"entity\":\"Patient/b\"},{\"entity\":{\"reference\":42}},{\"entity\":{\"reference\":\"Patient/a\"}}]}\n");
            await using var fixture = await ServerFixture.StartAsync(new BulkDataServerOptions { DataDirectory = folder, RequireAuth = false });

            var manifest = await fixture.ExportAsync("/Group/g/$export?_type=Patient", token: null);

            Assert.Equal(1, manifest.GetProperty("output")[0].GetProperty("count").GetInt32());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task DataDirectory_FileRemovedBeforeExport_JobFailsAndThenExpires()
    {
        // Regression: a failed job never got a completion time, so it was never removed.
        var folder = Path.Combine(Path.GetTempPath(), "fhirbulk-failjob-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder, "Patient.ndjson"), "{\"resourceType\":\"Patient\",\"id\":\"a\"}\n");
            var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
            await using var fixture = await ServerFixture.StartAsync(new BulkDataServerOptions { DataDirectory = folder, RequireAuth = false, TimeProvider = clock, ExportRetention = TimeSpan.FromHours(1) });
            File.Delete(Path.Combine(folder, "Patient.ndjson"));

            var status = await fixture.StartExportAsync(fixture.Server.BaseUri + "/Patient/$export", token: null);
            var failed = await PollUntilDoneAsync(fixture, status);
            clock.Advance(TimeSpan.FromHours(2));
            using var expired = await fixture.Http.SendAsync(fixture.Get(status, null));

            Assert.Equal(500, failed);
            Assert.Equal(404, (int)expired.StatusCode);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<int> PollUntilDoneAsync(ServerFixture fixture, string statusUrl)
    {
        for (var attempt = 0; attempt < 500; attempt++)
        {
            using var response = await fixture.Http.SendAsync(fixture.Get(statusUrl, null));
            if (response.StatusCode != System.Net.HttpStatusCode.Accepted)
            {
                return (int)response.StatusCode;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException("The export neither completed nor failed.");
    }

    [Fact]
    public async Task DataDirectory_IncludeAssociatedData_AddsProvenanceTargetingPatientsInScope()
    {
        var folder = Path.Combine(Path.GetTempPath(), "fhirbulk-prov-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder, "Patient.ndjson"),
                "{\"resourceType\":\"Patient\",\"id\":\"a\"}\n{\"resourceType\":\"Patient\",\"id\":\"b\"}\n");
            await File.WriteAllTextAsync(Path.Combine(folder, "Group.ndjson"),
                "{\"resourceType\":\"Group\",\"id\":\"g\",\"type\":\"person\",\"actual\":true,\"member\":[{\"entity\":{\"reference\":\"Patient/a\"}}]}\n");
            await File.WriteAllTextAsync(Path.Combine(folder, "Provenance.ndjson"),
                "{\"resourceType\":\"Provenance\",\"id\":\"pa\",\"target\":[{\"reference\":\"Patient/a\"}]}\n{\"resourceType\":\"Provenance\",\"id\":\"pb\",\"target\":[{\"reference\":\"Patient/b\"}]}\n");
            await using var fixture = await ServerFixture.StartAsync(new BulkDataServerOptions { DataDirectory = folder, RequireAuth = false });
            var manifest = await fixture.ExportAsync("/Group/g/$export?_type=Patient&includeAssociatedData=RelevantProvenanceResources", token: null);
            var provenance = manifest.GetProperty("output").EnumerateArray().Single(o => o.GetProperty("type").GetString() == "Provenance");
            var text = await fixture.Http.GetStringAsync(provenance.GetProperty("url").GetString()!);
            Assert.Contains("\"pa\"", text, StringComparison.Ordinal);
            Assert.DoesNotContain("\"pb\"", text, StringComparison.Ordinal);

            // Asked for by _type, Provenance is scoped the same way.
            var typed = await fixture.ExportAsync("/Group/g/$export?_type=Provenance", token: null);
            var typedText = await fixture.Http.GetStringAsync(typed.GetProperty("output")[0].GetProperty("url").GetString()!);
            Assert.Equal(text, typedText);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
