using System.Text;
using System.Text.Json;
using FhirBulk.Ndjson;

namespace FhirBulk.Tests.Views;

/// <summary>Builds <see cref="ResourceLine"/>s from JSON text and reads the Synthea sample.</summary>
internal static class Resources
{
    public static ResourceLine Line(string json, long lineNumber = 1, string source = "test.ndjson")
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var id = root.TryGetProperty("id", out var i) ? i.GetString() : null;
        return new ResourceLine(root.GetProperty("resourceType").GetString()!, id, Encoding.UTF8.GetBytes(json), source, lineNumber);
    }

    /// <summary>
    /// The lines as the view runner reads them: through an <see cref="NdjsonSource"/>, each carrying where its
    /// top-level members lie (<see cref="ResourceLine.Members"/>), numbered from 1.
    /// </summary>
    public static List<ResourceLine> ReadAsTheRunnerDoes(IEnumerable<string> jsonLines)
    {
        var source = NdjsonSource.FromStream(new MemoryStream(Encoding.UTF8.GetBytes(string.Join("\n", jsonLines))), "test.ndjson");
        return [.. source.ReadAsync(null, null, CancellationToken.None, topLevelMembers: true).ToBlockingEnumerable()];
    }

    public static IEnumerable<ResourceLine> Synthea(string resourceType)
    {
        var file = SharedData.Path("fixtures", "synthea-sample-10", $"{resourceType}.000.ndjson");
        var number = 0L;
        foreach (var line in File.ReadLines(file))
        {
            number++;
            if (line.Length > 0)
            {
                yield return new ResourceLine(resourceType, null, Encoding.UTF8.GetBytes(line), Path.GetFileName(file), number);
            }
        }
    }

    public static List<object?[]> Rows(this FhirBulk.Views.ICompiledView view, IEnumerable<ResourceLine> lines) =>
        [.. lines.SelectMany(view.Evaluate)];
}
