using FhirBulk.Server.Data;
using System.Text.Json;
using FhirBulk.Server.Tests.Data;
using FhirBulk.Server.Tests.Support;

namespace FhirBulk.Server.Tests.Export;

/// <summary>
/// <c>_since</c> against a server whose data advances: each test runs a server of its own, since advancing changes it.
/// The merge in <see cref="Apply"/> is the oracle a client's sync must match.
/// </summary>
public class IncrementalExportTests
{
    private static BulkDataServerOptions Options() => new() { Patients = 40, Seed = 7, Steps = 0, RequireAuth = false, ResourcesPerFile = 500 };

    private static string Q(string value) => Uri.EscapeDataString(value);

    private static string Key(JsonElement resource) => resource.GetProperty("resourceType").GetString() + "/" + resource.GetProperty("id").GetString();

    private static string DeletedUrl(JsonElement bundle) => bundle.GetProperty("entry")[0].GetProperty("request").GetProperty("url").GetString()!;

    private static DateTimeOffset LastUpdated(JsonElement resource) => resource.GetProperty("meta").GetProperty("lastUpdated").GetDateTimeOffset();

    private static string? PatientOf(JsonElement resource)
    {
        if (resource.GetProperty("resourceType").GetString() == "Patient")
        {
            return resource.GetProperty("id").GetString();
        }

        foreach (var name in new[] { "subject", "patient" })
        {
            if (resource.TryGetProperty(name, out var reference) && reference.GetProperty("reference").GetString() is { } text && text.StartsWith("Patient/", StringComparison.Ordinal))
            {
                return text["Patient/".Length..];
            }
        }

        return null;
    }

    /// <summary>An export's resources (key → raw JSON) and deletions, with its transactionTime.</summary>
    private sealed record Export(string TransactionTime, Dictionary<string, JsonElement> Resources, List<string> Deleted);

    private static async Task<Export> ExportAsync(ServerFixture fixture, string path, string? since = null)
    {
        var url = path + (since is null ? string.Empty : (path.Contains('?') ? "&" : "?") + "_since=" + Q(since));
        var manifest = await fixture.ExportAsync(url, null);
        var resources = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var type in manifest.GetProperty("output").EnumerateArray().Select(o => o.GetProperty("type").GetString()!).Distinct())
        {
            foreach (var resource in await fixture.DownloadAsync(manifest, type, null))
            {
                Assert.True(resources.TryAdd(Key(resource), resource), $"{Key(resource)} exported twice");
            }
        }

        var deleted = new List<string>();
        if (manifest.TryGetProperty("deleted", out var files))
        {
            foreach (var file in files.EnumerateArray())
            {
                using var response = await fixture.Http.SendAsync(fixture.Get(file.GetProperty("url").GetString()!, null));
                var body = await response.Content.ReadAsStringAsync();
                deleted.AddRange(body.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => DeletedUrl(JsonDocument.Parse(line).RootElement)));
            }
        }

        return new Export(manifest.GetProperty("transactionTime").GetString()!, resources, deleted);
    }

    /// <summary>
    /// Applies an increment: its deletions first, then its resources (the latest version wins). Deletions go first
    /// because a resource deleted and re-created in one increment is in both, and its current state is the new version.
    /// </summary>
    private static void Apply(Dictionary<string, JsonElement> tables, Export increment)
    {
        foreach (var key in increment.Deleted)
        {
            tables.Remove(key);
        }

        foreach (var (key, resource) in increment.Resources)
        {
            tables[key] = resource;
        }
    }

    private static async Task<HashSet<string>> ActiveMembersAsync(ServerFixture fixture, string groupId)
    {
        using var response = await fixture.Http.SendAsync(fixture.Get($"{fixture.Server.BaseUri}/Group/{groupId}", null));
        using var group = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return group.RootElement.GetProperty("member").EnumerateArray()
            .Where(m => !m.TryGetProperty("inactive", out _))
            .Select(m => m.GetProperty("entity").GetProperty("reference").GetString()!["Patient/".Length..])
            .ToHashSet(StringComparer.Ordinal);
    }

    private static async Task<string> FirstGroupIdAsync(ServerFixture fixture)
    {
        using var response = await fixture.Http.SendAsync(fixture.Get($"{fixture.Server.BaseUri}/Group", null));
        using var bundle = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return bundle.RootElement.GetProperty("entry")[0].GetProperty("resource").GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task Export_SinceThePreviousTransactionTime_ExactlyTheStepsChangesAndDeletions()
    {
        await using var fixture = await ServerFixture.StartAsync(Options());
        var before = await ExportAsync(fixture, "/Patient/$export");
        var dataTime = await fixture.Server.AdvanceAsync();
        Assert.Equal(1, fixture.Server.Steps);
        Assert.Equal(dataTime, fixture.Server.DataTime);

        var increment = await ExportAsync(fixture, "/Patient/$export", before.TransactionTime);
        var step = AdvancedPopulationFixture.ReadFolder(Path.Combine(fixture.Server.DataDirectory, "steps", "0001"));
        var changed = step.Where(s => s.Key is not (GeneratedData.DeletedFolder or "Group")).SelectMany(s => s.Value).ToDictionary(Key);
        Assert.Equal(changed.Keys.Order(), increment.Resources.Keys.Order());
        Assert.All(increment.Resources, r => Assert.Equal(changed[r.Key].GetRawText(), r.Value.GetRawText()));
        Assert.Equal(step[GeneratedData.DeletedFolder].Select(DeletedUrl).Order(), increment.Deleted.Order());

        // The transactionTime of an export after the step is later than all of it, and the first one earlier.
        Assert.Equal(dataTime, DateTimeOffset.Parse(increment.TransactionTime, System.Globalization.CultureInfo.InvariantCulture));
        Assert.All(increment.Resources.Values, r => Assert.InRange(LastUpdated(r), DateTimeOffset.Parse(before.TransactionTime, System.Globalization.CultureInfo.InvariantCulture), dataTime));
    }

    [Fact]
    public async Task Export_KickedOffBeforeAStep_ReadsTheDataAsOfItsKickoff()
    {
        await using var fixture = await ServerFixture.StartAsync(Options());
        var before = await ExportAsync(fixture, "/Patient/$export");
        var status = await fixture.StartExportAsync(fixture.Server.BaseUri + "/Patient/$export", null);
        await fixture.Server.AdvanceAsync();
        var manifest = await fixture.WaitForManifestAsync(status, null);
        Assert.Equal(before.TransactionTime, manifest.GetProperty("transactionTime").GetString());
        Assert.Equal(before.Resources.Count, manifest.GetProperty("output").EnumerateArray().Sum(o => o.GetProperty("count").GetInt64()));
    }

    [Fact]
    public async Task Export_SinceTheLatestTransactionTime_Empty()
    {
        await using var fixture = await ServerFixture.StartAsync(Options());
        await fixture.Server.AdvanceAsync(2);
        var latest = await ExportAsync(fixture, "/Patient/$export");
        var nothing = await ExportAsync(fixture, "/Patient/$export", latest.TransactionTime);
        Assert.Empty(nothing.Resources);
        Assert.Empty(nothing.Deleted);
    }

    [Fact]
    public async Task GroupExport_Since_NewMembersBringTheirWholeHistoryAndLeaversAreOutOfScope()
    {
        await using var fixture = await ServerFixture.StartAsync(Options());
        var groupId = await FirstGroupIdAsync(fixture);
        var before = await ExportAsync(fixture, $"/Group/{groupId}/$export");
        var membersBefore = await ActiveMembersAsync(fixture, groupId);
        var since = DateTimeOffset.Parse(before.TransactionTime, System.Globalization.CultureInfo.InvariantCulture);

        // Step until this Group has both gained an existing patient and lost one (a move touches two Groups).
        HashSet<string> members;
        var step = 0;
        do
        {
            await fixture.Server.AdvanceAsync();
            step++;
            members = await ActiveMembersAsync(fixture, groupId);
        }
        while (step < 8 && !(members.Except(membersBefore).Any(m => IsOldPatient(fixture, m)) && membersBefore.Except(members).Any()));

        var increment = await ExportAsync(fixture, $"/Group/{groupId}/$export", before.TransactionTime);
        var full = await ExportAsync(fixture, $"/Group/{groupId}/$export");
        var joined = members.Except(membersBefore).ToHashSet();
        var left = membersBefore.Except(members).ToHashSet();
        Assert.NotEmpty(joined);
        Assert.NotEmpty(left);

        // Everything of a new member comes, records older than _since included (an existing patient moved in).
        var joinedHistory = full.Resources.Where(r => PatientOf(r.Value) is { } p && joined.Contains(p)).ToList();
        Assert.All(joinedHistory, r => Assert.True(increment.Resources.ContainsKey(r.Key), $"{r.Key} of a new member missing"));
        Assert.Contains(joinedHistory, r => LastUpdated(r.Value) <= since);

        // A patient who left is out of scope: none of their resources, changed or not, and they are not in the full export.
        Assert.DoesNotContain(increment.Resources.Values, r => PatientOf(r) is { } p && left.Contains(p));
        Assert.DoesNotContain(full.Resources.Values, r => PatientOf(r) is { } p && left.Contains(p));

        // Members who were there before bring only what changed.
        Assert.All(increment.Resources.Values.Where(r => PatientOf(r) is { } p && !joined.Contains(p)), r => Assert.True(LastUpdated(r) > since));
    }

    // A patient of the initial population (not one who arrived in a step) has records older than any step.
    private static bool IsOldPatient(ServerFixture fixture, string patientId) =>
        File.ReadLines(Directory.GetFiles(fixture.Server.DataDirectory, "Patient.*.ndjson").Single()).Any(line => line.Contains(patientId, StringComparison.Ordinal));

    public static TheoryData<string, int> LevelsAndSteps()
    {
        var data = new TheoryData<string, int>();
        foreach (var level in new[] { "Patient", "Group" })
        {
            for (var steps = 1; steps <= 5; steps++)
            {
                data.Add(level, steps);
            }
        }

        return data;
    }

    /// <summary>
    /// The sync oracle: the initial export with each increment applied equals a full export after the steps.
    /// At Group level a client must also drop the patients who left: no deletion says so, the Group's membership does.
    /// </summary>
    [Theory]
    [MemberData(nameof(LevelsAndSteps))]
    public async Task FullExportAfterSteps_EqualsInitialExportWithIncrementsApplied(string level, int steps)
    {
        await using var fixture = await ServerFixture.StartAsync(Options());
        var groupId = level == "Group" ? await FirstGroupIdAsync(fixture) : null;
        var path = groupId is null ? "/Patient/$export" : $"/Group/{groupId}/$export";
        var first = await ExportAsync(fixture, path);
        var tables = new Dictionary<string, JsonElement>(first.Resources, StringComparer.Ordinal);
        var since = first.TransactionTime;
        for (var step = 0; step < steps; step++)
        {
            await fixture.Server.AdvanceAsync();
            var increment = await ExportAsync(fixture, path, since);
            Apply(tables, increment);
            if (groupId is not null)
            {
                var members = await ActiveMembersAsync(fixture, groupId);
                foreach (var key in tables.Where(t => PatientOf(t.Value) is { } p && !members.Contains(p)).Select(t => t.Key).ToList())
                {
                    tables.Remove(key);
                }
            }

            since = increment.TransactionTime;
        }

        var full = await ExportAsync(fixture, path);
        Assert.Equal(full.Resources.Keys.Order(StringComparer.Ordinal), tables.Keys.Order(StringComparer.Ordinal));
        Assert.All(full.Resources, r => Assert.Equal(r.Value.GetRawText(), tables[r.Key].GetRawText()));
    }

    [Theory]
    [InlineData(TransactionTimeStyle.Actual, "2026-01-08T00:00:00.000Z")]
    [InlineData(TransactionTimeStyle.Malformed, "2026-01-08T00:00:00")]
    [InlineData(TransactionTimeStyle.Earlier, "2025-01-08T00:00:00.000Z")]
    public async Task Manifest_TransactionTimeStyleFault_WrittenThatWay(TransactionTimeStyle style, string expected)
    {
        await using var fixture = await ServerFixture.StartAsync(Options());
        await fixture.Server.AdvanceAsync();
        var status = await fixture.StartExportAsync(fixture.Server.BaseUriWithFaults(new FaultOptions { TransactionTimeStyle = style }) + "/Patient/$export?_type=Patient", null);
        var manifest = await fixture.WaitForManifestAsync(status, null);
        Assert.Equal(expected, manifest.GetProperty("transactionTime").GetString());
    }

    [Fact]
    public async Task AdvanceAsync_ServerWithoutSteps_Refused()
    {
        await using var fixture = await ServerFixture.StartAsync(new BulkDataServerOptions { Patients = 5, RequireAuth = false });
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => fixture.Server.AdvanceAsync());
        Assert.Contains("Steps", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_Steps_DataTimeIsTheEndOfTheLastStep()
    {
        await using var fixture = await ServerFixture.StartAsync(new BulkDataServerOptions { Patients = 20, Seed = 2, Steps = 3, RequireAuth = false });
        Assert.Equal(new DateTimeOffset(2026, 1, 22, 0, 0, 0, TimeSpan.Zero), fixture.Server.DataTime);
        var manifest = await fixture.ExportAsync("/Patient/$export?_type=Patient", null);
        Assert.Equal("2026-01-22T00:00:00.000Z", manifest.GetProperty("transactionTime").GetString());
    }

    [Fact]
    public async Task StartAsync_DataFolderWithSteps_ServesTheStateAfterItsLastStepLikeAGeneratedServer()
    {
        var folder = Path.Combine(Path.GetTempPath(), "fhirbulk-stepfolder-" + Guid.NewGuid().ToString("N"));
        try
        {
            var population = new PopulationOptions { Patients = 40, Seed = 7 };
            await PopulationGenerator.GenerateAsync(folder, population);
            await PopulationGenerator.AdvanceAsync(folder, population, 2);
            await using var fromFolder = await ServerFixture.StartAsync(new BulkDataServerOptions { DataDirectory = folder, RequireAuth = false });
            await using var generated = await ServerFixture.StartAsync(Options());
            await generated.Server.AdvanceAsync(2);

            Assert.Equal(2, fromFolder.Server.Steps);
            Assert.Equal(generated.Server.DataTime, fromFolder.Server.DataTime);
            var expected = await ExportAsync(generated, "/Patient/$export");
            var actual = await ExportAsync(fromFolder, "/Patient/$export");
            Assert.Equal(expected.TransactionTime, actual.TransactionTime);
            Assert.Equal(expected.Resources.Keys.Order(StringComparer.Ordinal), actual.Resources.Keys.Order(StringComparer.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task StartAsync_StepsOverAFolderWithoutTimeline_RefusedNamingTheFolder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "fhirbulk-plain-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder, "Patient.ndjson"), "{\"resourceType\":\"Patient\",\"id\":\"p1\"}\n");
            var error = await Assert.ThrowsAsync<FormatException>(() => BulkDataServer.StartAsync(new BulkDataServerOptions { DataDirectory = folder, Steps = 1 }));
            Assert.Contains(folder, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
