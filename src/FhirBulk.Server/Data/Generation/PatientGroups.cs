namespace FhirBulk.Server.Data.Generation;

/// <summary>
/// Payer-like Groups over the patients. Membership is a function of the seed and the patient's index,
/// so the Groups are written after the patients without remembering any of them.
/// </summary>
internal static class PatientGroups
{
    public static int GroupCount(int patients) => Math.Clamp(patients / 20, 1, Terminology.GroupNames.Length);

    /// <summary>The Groups' ids, in order: a function of the seed alone.</summary>
    public static IReadOnlyList<string> Ids(int seed, int groups)
    {
        var ids = DeterministicRandom.For(seed, "groups", 0);
        return [.. Enumerable.Range(0, groups).Select(_ => ids.NextUuid())];
    }

    public static async ValueTask WriteAsync(PopulationContext context, NdjsonTypeWriter writer, int patients, CancellationToken cancellationToken)
    {
        var groups = GroupCount(patients);
        var sizes = new int[groups];
        for (var index = 0; index < patients; index++)
        {
            sizes[context.GroupOf(index, groups)]++;
        }

        var ids = Ids(context.Seed, groups);
        for (var group = 0; group < groups; group++)
        {
            var json = writer.BeginResource(ids[group]);
            json.WriteMeta(context.ReferenceDate.AddDays(-1));
            json.WriteStartArray("identifier"u8);
            json.WriteStartObject();
            json.WriteString("system"u8, "https://fhirbulk.dev/groups");
            json.WriteString("value"u8, $"group-{group + 1}");
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteBoolean("active"u8, true);
            json.WriteString("type"u8, "person");
            json.WriteBoolean("actual"u8, true);
            json.WriteString("name"u8, Terminology.GroupNames[group]);
            json.WriteNumber("quantity"u8, sizes[group]);
            json.WriteStartArray("member"u8);
            for (var index = 0; index < patients; index++)
            {
                if (context.GroupOf(index, groups) == group)
                {
                    json.WriteStartObject();
                    json.WriteReference("entity"u8, "Patient", context.PatientId(index));
                    json.WriteEndObject();
                }
            }

            json.WriteEndArray();
            await writer.EndResourceAsync(cancellationToken);
        }
    }
}
