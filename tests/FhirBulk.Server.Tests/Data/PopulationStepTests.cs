using FhirBulk.Server.Data;
using System.Security.Cryptography;
using System.Text.Json;

namespace FhirBulk.Server.Tests.Data;

/// <summary>One small population advanced three steps, shared by the tests that only read it.</summary>
public sealed class AdvancedPopulationFixture : IAsyncLifetime
{
    public const int Steps = 3;

    public static PopulationOptions Options() => new() { Patients = 60, Seed = 11 };

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "fhirbulk-steps-" + Guid.NewGuid().ToString("N"));

    /// <summary>Resources of each step folder by file stem (<c>Condition</c>, <c>deleted</c>, …).</summary>
    public Dictionary<int, Dictionary<string, List<JsonElement>>> StepResources { get; } = [];

    public async Task InitializeAsync()
    {
        await PopulationGenerator.GenerateAsync(Folder, Options());
        await PopulationGenerator.AdvanceAsync(Folder, Options(), Steps);
        for (var step = 1; step <= Steps; step++)
        {
            StepResources[step] = ReadFolder(Path.Combine(Folder, "steps", step.ToString("0000")));
        }
    }

    /// <summary>
    /// The resources of a generated folder (or step folder) by file stem, and its deletion Bundles (under
    /// <see cref="GeneratedData.DeletedFolder"/>) under that name.
    /// </summary>
    public static Dictionary<string, List<JsonElement>> ReadFolder(string folder)
    {
        var resources = new Dictionary<string, List<JsonElement>>(StringComparer.Ordinal);
        var deleted = Path.Combine(folder, GeneratedData.DeletedFolder);
        var files = Directory.GetFiles(folder, "*.ndjson").Select(f => (File: f, Stem: Path.GetFileName(f).Split('.')[0]))
            .Concat(Directory.Exists(deleted) ? Directory.GetFiles(deleted, "*.ndjson").Select(f => (File: f, Stem: GeneratedData.DeletedFolder)) : []);
        foreach (var (file, stem) in files.OrderBy(f => f.File, StringComparer.Ordinal))
        {
            if (!resources.TryGetValue(stem, out var list))
            {
                resources[stem] = list = [];
            }

            list.AddRange(File.ReadLines(file).Select(line => JsonDocument.Parse(line).RootElement.Clone()));
        }

        return resources;
    }

    public Task DisposeAsync()
    {
        Directory.Delete(Folder, recursive: true);
        return Task.CompletedTask;
    }
}

public class PopulationStepTests(AdvancedPopulationFixture population) : IClassFixture<AdvancedPopulationFixture>
{
    private static readonly DateTimeOffset Reference = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static DateTimeOffset LastUpdated(JsonElement resource) => resource.GetProperty("meta").GetProperty("lastUpdated").GetDateTimeOffset();

    private static string DeletedUrl(JsonElement bundle) => bundle.GetProperty("entry")[0].GetProperty("request").GetProperty("url").GetString()!;

    private IEnumerable<JsonElement> All(int step) => population.StepResources[step].Values.SelectMany(list => list);

    private static async Task<Dictionary<string, string>> HashesAsync(string folder)
    {
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            hashes[Path.GetRelativePath(folder, file)] = Convert.ToHexString(SHA256.HashData(await File.ReadAllBytesAsync(file)));
        }

        return hashes;
    }

    [Fact]
    public async Task AdvanceAsync_SameSeedAndSteps_ByteIdenticalFolders()
    {
        var a = Path.Combine(Path.GetTempPath(), "fhirbulk-stepdet-" + Guid.NewGuid().ToString("N"));
        var b = a + "-b";
        try
        {
            var options = new PopulationOptions { Patients = 30, Seed = 4 };
            await PopulationGenerator.GenerateAsync(a, options);
            await PopulationGenerator.GenerateAsync(b, options);

            // Two steps at once and one by one give the same folder.
            Assert.Equal(2, await PopulationGenerator.AdvanceAsync(a, options, 2));
            await PopulationGenerator.AdvanceAsync(b, options, 1);
            Assert.Equal(2, await PopulationGenerator.AdvanceAsync(b, options, 1));
            var hashes = await HashesAsync(a);
            Assert.Contains(hashes.Keys, k => k.StartsWith(Path.Combine("steps", "0002"), StringComparison.Ordinal));
            Assert.Equal(hashes, await HashesAsync(b));
        }
        finally
        {
            Directory.Delete(a, recursive: true);
            Directory.Delete(b, recursive: true);
        }
    }

    [Fact]
    public void AdvanceAsync_EveryChange_StampedStrictlyInsideItsStepWindow()
    {
        for (var step = 1; step <= AdvancedPopulationFixture.Steps; step++)
        {
            var start = Reference.AddDays(7 * (step - 1));
            var end = Reference.AddDays(7 * step);
            Assert.All(All(step), resource => Assert.InRange(LastUpdated(resource), start.AddSeconds(1), end.AddSeconds(-1)));
        }
    }

    [Fact]
    public void AdvanceAsync_EachStep_NewVisitsWithObservations()
    {
        for (var step = 1; step <= AdvancedPopulationFixture.Steps; step++)
        {
            var resources = population.StepResources[step];
            var newEncounters = resources["Encounter"].Select(e => e.GetProperty("id").GetString()).ToHashSet();
            Assert.NotEmpty(newEncounters);
            Assert.Contains(resources["Observation"], o => o.TryGetProperty("encounter", out var encounter)
                && newEncounters.Contains(encounter.GetProperty("reference").GetString()!["Encounter/".Length..]));
        }
    }

    [Fact]
    public void AdvanceAsync_ResolvedConditions_NewVersionWithAbatement()
    {
        var resolved = Enumerable.Range(1, AdvancedPopulationFixture.Steps)
            .SelectMany(step => population.StepResources[step].GetValueOrDefault("Condition") ?? [])
            .Where(c => c.GetProperty("meta").TryGetProperty("versionId", out _))
            .ToList();
        Assert.NotEmpty(resolved);
        Assert.All(resolved, c =>
        {
            Assert.Equal("2", c.GetProperty("meta").GetProperty("versionId").GetString());
            Assert.Equal("resolved", c.GetProperty("clinicalStatus").GetProperty("coding")[0].GetProperty("code").GetString());
            Assert.True(c.TryGetProperty("abatementDateTime", out _));
        });
    }

    [Fact]
    public void AdvanceAsync_DeletedAndRecreatedInOneStep_DeletionEarlierThanTheNewVersion()
    {
        var recreated = 0;
        for (var step = 1; step <= AdvancedPopulationFixture.Steps; step++)
        {
            var resources = population.StepResources[step];
            var deletions = resources[GeneratedData.DeletedFolder].ToDictionary(DeletedUrl, LastUpdated);
            foreach (var observation in resources["Observation"].Where(o => o.GetProperty("status").GetString() == "amended"))
            {
                var deletedAt = deletions["Observation/" + observation.GetProperty("id").GetString()];
                Assert.True(LastUpdated(observation) > deletedAt);
                // Two versions on (the deletion counts as one), from 1 or from an earlier re-creation.
                Assert.Equal(1, int.Parse(observation.GetProperty("meta").GetProperty("versionId").GetString()!, System.Globalization.CultureInfo.InvariantCulture) % 2);
                recreated++;
            }
        }

        Assert.True(recreated > 0, "some deleted Observation comes back with its id");
    }

    [Fact]
    public void AdvanceAsync_DeletedResources_NotInTheStepsData()
    {
        for (var step = 1; step <= AdvancedPopulationFixture.Steps; step++)
        {
            var resources = population.StepResources[step];
            var kept = resources.Where(r => r.Key != GeneratedData.DeletedFolder).SelectMany(r => r.Value)
                .Select(r => r.GetProperty("resourceType").GetString() + "/" + r.GetProperty("id").GetString()).ToHashSet();
            var deletedOnly = resources[GeneratedData.DeletedFolder].Select(DeletedUrl).Where(url => !kept.Contains(url)).ToList();
            Assert.NotEmpty(deletedOnly);
            Assert.Contains(deletedOnly, url => url.StartsWith("Condition/", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void AdvanceAsync_GroupChanges_OneLeavesAndMembersJoinWithAStart()
    {
        for (var step = 1; step <= AdvancedPopulationFixture.Steps; step++)
        {
            var groups = population.StepResources[step]["Group"];
            var members = groups.SelectMany(g => g.GetProperty("member").EnumerateArray()).ToList();
            var left = members.Where(m => m.TryGetProperty("inactive", out _)).ToList();
            var joined = members.Where(m => m.TryGetProperty("period", out var p) && p.TryGetProperty("start", out var start)
                && start.GetDateTimeOffset() > Reference.AddDays(7 * (step - 1))).ToList();
            Assert.NotEmpty(left);
            Assert.All(left, m => Assert.True(m.GetProperty("period").TryGetProperty("end", out _)));

            // The mover joins another Group; each new patient joins theirs.
            var newPatients = population.StepResources[step]["Patient"].Select(p => "Patient/" + p.GetProperty("id").GetString()).ToList();
            Assert.NotEmpty(newPatients);
            Assert.Equal(newPatients.Count + 1, joined.Count);
            Assert.All(newPatients, p => Assert.Contains(joined, m => m.GetProperty("entity").GetProperty("reference").GetString() == p));
            Assert.All(groups, g => Assert.Equal(
                g.GetProperty("member").EnumerateArray().Count(m => !m.TryGetProperty("inactive", out _)), g.GetProperty("quantity").GetInt32()));
        }
    }

    [Fact]
    public async Task AdvanceAsync_FolderOfAnotherPopulation_Refused()
    {
        var other = new PopulationOptions { Patients = 60, Seed = 12 };
        var error = await Assert.ThrowsAsync<ArgumentException>(() => PopulationGenerator.AdvanceAsync(population.Folder, other, 1));
        Assert.Contains("seed 11", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdvanceAsync_LowerStepActivity_TouchesProportionallyFewerResourcesAndIsKeptInTheTimeline()
    {
        var full = Path.Combine(Path.GetTempPath(), "fhirbulk-stepact-" + Guid.NewGuid().ToString("N"));
        var tenth = full + "-tenth";
        try
        {
            var fullOptions = new PopulationOptions { Patients = 200, Seed = 4 };
            var tenthOptions = new PopulationOptions { Patients = 200, Seed = 4, StepActivity = 0.1 };
            await PopulationGenerator.GenerateAsync(full, fullOptions);
            await PopulationGenerator.GenerateAsync(tenth, tenthOptions);
            await PopulationGenerator.AdvanceAsync(full, fullOptions, 1);
            await PopulationGenerator.AdvanceAsync(tenth, tenthOptions, 1);

            // New patients come with their history at any activity; the changes to the patients already there shrink with it.
            static int Changes(string folder)
            {
                var step = AdvancedPopulationFixture.ReadFolder(Path.Combine(folder, "steps", "0001"));
                var arrivals = step["Patient"].Select(p => "Patient/" + p.GetProperty("id").GetString()).ToHashSet(StringComparer.Ordinal);
                return step.Where(t => t.Key is "Observation" or "Condition" or "Encounter")
                    .Sum(t => t.Value.Count(r => !arrivals.Contains(r.GetProperty("subject").GetProperty("reference").GetString()!)));
            }

            Assert.InRange(Changes(tenth), 1, Changes(full) / 4);

            // The next step of the folder plays at the activity it was started with; another one is another population.
            Assert.Contains("\"stepActivity\": 0.1", await File.ReadAllTextAsync(Path.Combine(tenth, "steps", "timeline.json")), StringComparison.Ordinal);
            await Assert.ThrowsAsync<ArgumentException>(() => PopulationGenerator.AdvanceAsync(tenth, fullOptions, 1));
        }
        finally
        {
            Directory.Delete(full, recursive: true);
            Directory.Delete(tenth, recursive: true);
        }
    }
}
