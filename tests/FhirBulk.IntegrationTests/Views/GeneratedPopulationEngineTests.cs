using System.Text;
using FhirBulk.Ndjson;
using FhirBulk.Server;
using FhirBulk.Tests.Views.FhirPath.Json;
using FhirBulk.Views;
using FhirBulk.Views.Definition;

namespace FhirBulk.IntegrationTests.Views;

/// <summary>
/// The shipped workshop views over a population from the server's generator (Observations included, which the
/// Synthea sample lacks), on the JSON engine and on Firely: the same rows, types and order.
/// </summary>
public sealed class GeneratedPopulationEngineTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), $"fhirbulk-engines-{Guid.NewGuid():N}");
    private PopulationSummary? _population;

    public async Task InitializeAsync() => _population = await PopulationGenerator.GenerateAsync(_folder, patients: 40, seed: 11);

    public Task DisposeAsync()
    {
        Directory.Delete(_folder, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public void Evaluate_ShippedWorkshopViews_SameRowsOnBothEngines()
    {
        var views = Directory.GetFiles(WorkshopViewsFolder(), "*.json").Order(StringComparer.Ordinal).Select(f => ViewDefinitionParser.Parse(File.ReadAllText(f))).ToList();
        var lines = _population!.Files.SelectMany(f => Lines(Path.Combine(_folder, f))).ToList();

        Assert.NotEmpty(lines);
        foreach (var view in views)
        {
            var ofType = lines.Where(l => l.ResourceType == view.Resource).ToList();
            Assert.NotEmpty(ofType);
            EngineDifference.AssertSame(view, ofType);
        }
    }

    private static IEnumerable<ResourceLine> Lines(string file)
    {
        var number = 0L;
        foreach (var text in File.ReadLines(file))
        {
            number++;
            using var document = text.Length == 0 ? null : System.Text.Json.JsonDocument.Parse(text);
            var type = document?.RootElement.GetProperty("resourceType").GetString();
            if (type is not null)
            {
                yield return new ResourceLine(type, null, Encoding.UTF8.GetBytes(text), Path.GetFileName(file), number);
            }
        }
    }

    private static string WorkshopViewsFolder()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "FhirBulk.slnx")))
        {
            dir = dir.Parent;
        }

        return Path.Combine(dir!.FullName, "examples", "workshop", "views");
    }
}
