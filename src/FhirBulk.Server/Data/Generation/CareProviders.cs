namespace FhirBulk.Server.Data.Generation;

/// <summary>Organizations and Practitioners shared by the population; derived from the seed alone.</summary>
internal static class CareProviders
{
    public static IReadOnlyList<(string Id, string Name)> Organizations(int seed, int count)
    {
        var random = DeterministicRandom.For(seed, "organizations", 0);
        var result = new List<(string, string)>(count);
        for (var i = 0; i < count; i++)
        {
            var (city, _) = random.Pick(Terminology.Cities);
            result.Add((random.NextUuid(), $"{city} {random.Pick(Terminology.OrganizationNames)}"));
        }

        return result;
    }

    public static IReadOnlyList<(string Id, string Name, int Organization)> Practitioners(int seed, int count, int organizations)
    {
        var random = DeterministicRandom.For(seed, "practitioners", 0);
        var result = new List<(string, string, int)>(count);
        for (var i = 0; i < count; i++)
        {
            var female = random.Chance(0.5);
            var name = $"Dr. {random.Pick(female ? Terminology.FemaleNames : Terminology.MaleNames)} {random.Pick(Terminology.FamilyNames)}";
            result.Add((random.NextUuid(), name, i % organizations));
        }

        return result;
    }

    public static async ValueTask WriteAsync(PopulationContext context, NdjsonTypeWriter organizations, NdjsonTypeWriter practitioners, CancellationToken cancellationToken)
    {
        var since = context.ReferenceDate.AddYears(-context.HistoryYears);
        foreach (var (id, name) in context.Organizations)
        {
            var json = organizations.BeginResource(id);
            json.WriteMeta(since);
            json.WriteBoolean("active"u8, true);
            json.WriteCodeableConceptArray("type"u8, new Code("http://terminology.hl7.org/CodeSystem/organization-type", "prov", "Healthcare Provider"));
            json.WriteString("name"u8, name);
            await organizations.EndResourceAsync(cancellationToken);
        }

        foreach (var (id, name, _) in context.Practitioners)
        {
            var json = practitioners.BeginResource(id);
            json.WriteMeta(since);
            json.WriteBoolean("active"u8, true);
            var parts = name.Split(' ');
            json.WriteStartArray("name"u8);
            json.WriteStartObject();
            json.WriteString("family"u8, parts[2]);
            json.WriteStartArray("given"u8);
            json.WriteStringValue(parts[1]);
            json.WriteEndArray();
            json.WriteStartArray("prefix"u8);
            json.WriteStringValue(parts[0]);
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
            await practitioners.EndResourceAsync(cancellationToken);
        }
    }
}
