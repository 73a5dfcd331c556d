using FhirBulk.Ndjson;

namespace FhirBulk.Tests.Tables.TestSupport;

public static class SourceExtensions
{
    public static async Task<List<ResourceLine>> ReadAllAsync(this NdjsonSource source, IEnumerable<string>? types = null)
    {
        var lines = new List<ResourceLine>();
        await foreach (ResourceLine line in source.ReadAsync(types))
        {
            lines.Add(line);
        }

        return lines;
    }
}
