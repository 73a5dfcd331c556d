using FhirBulk.Server.Data;
using System.Security.Cryptography;
using System.Text.Json;

namespace FhirBulk.Server.Tests.Data;

public sealed class GeneratedPopulationFixture : IDisposable
{
    public const int Patients = 300;

    public GeneratedPopulationFixture()
    {
        Summary = PopulationGenerator.GenerateAsync(Folder, Patients, seed: 5).GetAwaiter().GetResult();
        Resources = AdvancedPopulationFixture.ReadFolder(Folder);
    }

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "fhirbulk-gen-" + Guid.NewGuid().ToString("N"));

    public PopulationSummary Summary { get; }

    public Dictionary<string, List<JsonElement>> Resources { get; }

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}

public class PopulationGeneratorTests(GeneratedPopulationFixture population) : IClassFixture<GeneratedPopulationFixture>
{
    private static string Code(JsonElement concept) => concept.GetProperty("coding")[0].GetProperty("code").GetString()!;

    private static string Reference(JsonElement resource, string name) => resource.GetProperty(name).GetProperty("reference").GetString()!;

    private static async Task<Dictionary<string, string>> HashesAsync(string folder)
    {
        var hashes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(folder).Order(StringComparer.Ordinal))
        {
            hashes[Path.GetFileName(file)] = Convert.ToHexString(SHA256.HashData(await File.ReadAllBytesAsync(file)));
        }

        return hashes;
    }

    [Fact]
    public async Task GenerateAsync_SameSeed_ByteIdenticalFiles()
    {
        var a = Path.Combine(Path.GetTempPath(), "fhirbulk-det-" + Guid.NewGuid().ToString("N"));
        var b = a + "-b";
        var c = a + "-c";
        try
        {
            await PopulationGenerator.GenerateAsync(a, 25, 99);
            await PopulationGenerator.GenerateAsync(b, 25, 99);
            await PopulationGenerator.GenerateAsync(c, 25, 100);
            var hashesA = await HashesAsync(a);
            Assert.Equal(hashesA, await HashesAsync(b));
            Assert.NotEqual(hashesA["Patient.000.ndjson"], (await HashesAsync(c))["Patient.000.ndjson"]);
        }
        finally
        {
            foreach (var folder in new[] { a, b, c })
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    [Fact]
    public async Task GenerateAsync_ResourcesPerFile_SplitsEveryType()
    {
        var folder = Path.Combine(Path.GetTempPath(), "fhirbulk-split-" + Guid.NewGuid().ToString("N"));
        try
        {
            var summary = await PopulationGenerator.GenerateAsync(folder, new PopulationOptions { Patients = 10, Seed = 1, ResourcesPerFile = 50 });
            var observationFiles = Directory.GetFiles(folder, "Observation.*.ndjson").Order(StringComparer.Ordinal).ToList();
            Assert.Equal((int)Math.Ceiling(summary.ResourceCounts["Observation"] / 50.0), observationFiles.Count);
            Assert.All(observationFiles.SkipLast(1), f => Assert.Equal(50, File.ReadLines(f).Count()));
            Assert.Equal(summary.ResourceCounts["Observation"], observationFiles.Sum(f => File.ReadLines(f).Count()));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Summary_CountsMatchFiles()
    {
        foreach (var (type, count) in population.Summary.ResourceCounts)
        {
            Assert.Equal(count, population.Resources[type].Count);
        }

        Assert.Equal(population.Summary.DeletedCount, population.Resources[GeneratedData.DeletedFolder].Count);
    }

    [Fact]
    public void GenerateAsync_Deletions_InTheDeletedFolderAsAnExportKeepsThemNotAmongTheResources()
    {
        Assert.True(population.Summary.DeletedCount > 0);
        Assert.Empty(Directory.GetFiles(population.Folder, "_*"));
        Assert.Equal(["Bundle.000.ndjson"], Directory.GetFiles(Path.Combine(population.Folder, "deleted")).Select(Path.GetFileName));
        Assert.Contains("deleted/Bundle.000.ndjson", population.Summary.Files);
        Assert.All(population.Summary.Files.Where(f => !f.StartsWith("deleted/", StringComparison.Ordinal)), f => Assert.True(File.Exists(Path.Combine(population.Folder, f)), f));
    }

    [Fact]
    public async Task StartAsync_FolderWithDeletionsWhereEarlierVersionsKeptThem_FormatExceptionSayingToGenerateAgain()
    {
        var folder = Path.Combine(Path.GetTempPath(), "fhirbulk-old-layout-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            File.Copy(Path.Combine(population.Folder, "Patient.000.ndjson"), Path.Combine(folder, "Patient.000.ndjson"));
            File.Copy(Path.Combine(population.Folder, "deleted", "Bundle.000.ndjson"), Path.Combine(folder, "_deleted.000.ndjson"));

            var error = await Assert.ThrowsAsync<FormatException>(() => BulkDataServer.StartAsync(new BulkDataServerOptions { DataDirectory = folder }));

            Assert.StartsWith($"{Path.Combine(folder, "_deleted.000.ndjson")} holds deletions where an earlier fhir-bulk kept them", error.Message, StringComparison.Ordinal);
            Assert.Contains("generate the population again into a new folder", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Population_RealisticVolumesPerPatient()
    {
        double PerPatient(string type) => population.Resources[type].Count / (double)GeneratedPopulationFixture.Patients;
        Assert.Equal(GeneratedPopulationFixture.Patients, population.Resources["Patient"].Count);
        Assert.InRange(PerPatient("Encounter"), 8, 40);
        Assert.InRange(PerPatient("Observation"), 30, 150);
        Assert.InRange(PerPatient("Condition"), 2, 15);
        Assert.InRange(PerPatient("Immunization"), 3, 15);
        Assert.InRange(PerPatient("MedicationRequest"), 3, 25);
        Assert.InRange(PerPatient("Procedure"), 5, 25);
        Assert.InRange(PerPatient("AllergyIntolerance"), 0.1, 0.8);
        Assert.NotEmpty(population.Resources["Organization"]);
        Assert.NotEmpty(population.Resources["Practitioner"]);
        Assert.InRange(population.Resources["Group"].Count, 2, 8);
    }

    [Fact]
    public void Patients_HaveDemographicsWithRealCodes()
    {
        foreach (var patient in population.Resources["Patient"])
        {
            Assert.Contains(patient.GetProperty("gender").GetString(), new[] { "male", "female" });
            Assert.Matches(@"^\d{4}-\d{2}-\d{2}$", patient.GetProperty("birthDate").GetString());
            Assert.False(string.IsNullOrEmpty(patient.GetProperty("name")[0].GetProperty("family").GetString()));
            Assert.Equal("MA", patient.GetProperty("address")[0].GetProperty("state").GetString());
            Assert.Contains(Code(patient.GetProperty("maritalStatus")), new[] { "M", "S", "D", "W" });
            var extensions = patient.GetProperty("extension").EnumerateArray().Select(e => e.GetProperty("url").GetString()).ToList();
            Assert.Equal(["http://hl7.org/fhir/us/core/StructureDefinition/us-core-race", "http://hl7.org/fhir/us/core/StructureDefinition/us-core-ethnicity"], extensions);
        }

        var female = population.Resources["Patient"].Count(p => p.GetProperty("gender").GetString() == "female") / (double)GeneratedPopulationFixture.Patients;
        Assert.InRange(female, 0.4, 0.62);
    }

    [Fact]
    public void Conditions_SnomedWithRepeatedDiagnoses()
    {
        var conditions = population.Resources["Condition"];
        Assert.All(conditions, c => Assert.Equal("http://snomed.info/sct", c.GetProperty("code").GetProperty("coding")[0].GetProperty("system").GetString()));
        var repeats = conditions.GroupBy(c => (Reference(c, "subject"), Code(c.GetProperty("code")))).Count(g => g.Count() > 1);
        Assert.True(repeats > GeneratedPopulationFixture.Patients / 10, $"only {repeats} repeated diagnoses");
        Assert.Contains(conditions, c => Code(c.GetProperty("clinicalStatus")) == "active");
        Assert.Contains(conditions, c => c.TryGetProperty("abatementDateTime", out _));

        // Chronic disease prevalence in the adult-heavy population stays plausible.
        var hypertensive = conditions.Where(c => Code(c.GetProperty("code")) == "38341003").Select(c => Reference(c, "subject")).Distinct().Count();
        Assert.InRange(hypertensive / (double)GeneratedPopulationFixture.Patients, 0.1, 0.6);
    }

    [Fact]
    public void Immunizations_CvxWithYearlyInfluenzaForMany()
    {
        var immunizations = population.Resources["Immunization"];
        Assert.All(immunizations, i => Assert.Equal("http://hl7.org/fhir/sid/cvx", i.GetProperty("vaccineCode").GetProperty("coding")[0].GetProperty("system").GetString()));
        var fluYears = immunizations.Where(i => Code(i.GetProperty("vaccineCode")) == "140")
            .GroupBy(i => Reference(i, "patient"))
            .Select(g => g.Select(i => i.GetProperty("occurrenceDateTime").GetString()![..4]).Distinct().Count())
            .ToList();
        Assert.True(fluYears.Count(years => years >= 5) > GeneratedPopulationFixture.Patients / 4, "many patients get influenza vaccines in many years");
        Assert.All(fluYears, years => Assert.True(years >= 1));
    }

    [Fact]
    public void Observations_LoincVitalsLabsAndSmokingStatus()
    {
        var observations = population.Resources["Observation"];
        var codes = observations.Select(o => Code(o.GetProperty("code"))).ToHashSet();
        foreach (var code in new[] { "8302-2", "29463-7", "39156-5", "85354-9", "8867-4", "72166-2", "4548-4", "2093-3" })
        {
            Assert.Contains(code, codes);
        }

        foreach (var smoking in observations.Where(o => Code(o.GetProperty("code")) == "72166-2"))
        {
            Assert.Equal("http://snomed.info/sct", smoking.GetProperty("valueCodeableConcept").GetProperty("coding")[0].GetProperty("system").GetString());
            Assert.False(smoking.TryGetProperty("valueQuantity", out _));
        }

        var weights = observations.Where(o => Code(o.GetProperty("code")) == "29463-7").Select(o => o.GetProperty("valueQuantity")).ToList();
        Assert.All(weights, w => Assert.Equal("kg", w.GetProperty("unit").GetString()));
        Assert.All(weights, w => Assert.InRange(w.GetProperty("value").GetDouble(), 1, 200));
        var bp = observations.First(o => Code(o.GetProperty("code")) == "85354-9");
        Assert.Equal(2, bp.GetProperty("component").GetArrayLength());
    }

    [Fact]
    public void References_AreRelativeAndResolve()
    {
        var ids = population.Resources.Where(r => r.Key != GeneratedData.DeletedFolder)
            .SelectMany(r => r.Value.Select(v => $"{r.Key}/{v.GetProperty("id").GetString()}")).ToHashSet();
        foreach (var request in population.Resources["MedicationRequest"])
        {
            Assert.Equal("http://www.nlm.nih.gov/research/umls/rxnorm", request.GetProperty("medicationCodeableConcept").GetProperty("coding")[0].GetProperty("system").GetString());
            Assert.Contains(Reference(request, "subject"), ids);
            Assert.Contains(Reference(request, "encounter"), ids);
            Assert.Contains(Reference(request, "requester"), ids);
        }

        foreach (var encounter in population.Resources["Encounter"])
        {
            Assert.Contains(Reference(encounter, "subject"), ids);
            Assert.Contains(Reference(encounter, "serviceProvider"), ids);
        }

        Assert.Contains(population.Resources["Encounter"], e => Code(e.GetProperty("type")[0]) == "390906007");
        Assert.Contains(population.Resources["Encounter"], e => e.GetProperty("class").GetProperty("code").GetString() == "EMER");
    }

    [Fact]
    public void Groups_PartitionThePatients()
    {
        var patientIds = population.Resources["Patient"].Select(p => "Patient/" + p.GetProperty("id").GetString()).ToHashSet();
        var members = population.Resources["Group"]
            .SelectMany(g => g.GetProperty("member").EnumerateArray().Select(m => m.GetProperty("entity").GetProperty("reference").GetString()!)).ToList();
        Assert.Equal(patientIds.Count, members.Count);
        Assert.True(patientIds.SetEquals(members));
        Assert.All(population.Resources["Group"], g => Assert.Equal(g.GetProperty("member").GetArrayLength(), g.GetProperty("quantity").GetInt32()));
    }

    [Fact]
    public void Deletions_AreTransactionBundlesNamingAbsentResources()
    {
        var present = population.Resources.Where(r => r.Key != GeneratedData.DeletedFolder)
            .SelectMany(r => r.Value.Select(v => $"{r.Key}/{v.GetProperty("id").GetString()}")).ToHashSet();
        var deleted = population.Resources[GeneratedData.DeletedFolder];
        Assert.NotEmpty(deleted);
        foreach (var bundle in deleted)
        {
            Assert.Equal("transaction", bundle.GetProperty("type").GetString());
            var request = bundle.GetProperty("entry")[0].GetProperty("request");
            Assert.Equal("DELETE", request.GetProperty("method").GetString());
            Assert.DoesNotContain(request.GetProperty("url").GetString()!, present);
        }
    }
}
