using System.Text.Json;

namespace FhirBulk.Server.Data;

/// <summary>Reads Group resources from the store's Group files on demand (they are few, but may be large).</summary>
internal sealed class GroupReader(ResourceStore store)
{
    /// <summary>Each current Group's id and raw JSON line; a line's memory is valid until the next item.</summary>
    public IEnumerable<(string Id, ReadOnlyMemory<byte> Line)> All() => store.CurrentLines("Group");

    /// <summary>The Group's JSON, or null; the scan stops at the first match.</summary>
    public byte[]? Find(string id)
    {
        foreach (var (groupId, line) in All())
        {
            if (groupId == id)
            {
                return line.ToArray();
            }
        }

        return null;
    }

    /// <summary>
    /// The Group's current members (<c>member.entity</c> references to Patients, leaving out members marked
    /// <c>inactive</c> or with a <c>period.end</c>: the generator only ends memberships that are over), or null when there is no such Group. Those whose every current
    /// membership started after <paramref name="since"/> are also listed as joined since then.
    /// </summary>
    public GroupMembers? Members(string id, DateTimeOffset? since = null)
    {
        var line = Find(id);
        if (line is null)
        {
            return null;
        }

        var members = new HashSet<string>(StringComparer.Ordinal);
        var before = new HashSet<string>(StringComparer.Ordinal);
        using var document = JsonDocument.Parse(line);
        if (document.RootElement.TryGetProperty("member", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var member in list.EnumerateArray())
            {
                // Data folders hold whatever a user put there: a member that is not shaped like one is skipped, not a 500.
                if (member.ValueKind != JsonValueKind.Object
                    || !member.TryGetProperty("entity", out var entity) || entity.ValueKind != JsonValueKind.Object
                    || !entity.TryGetProperty("reference", out var reference) || reference.ValueKind != JsonValueKind.String
                    || ResourceHeader.PatientIdOf(reference.GetString()) is not { } patient
                    || (member.TryGetProperty("inactive", out var inactive) && inactive.ValueKind == JsonValueKind.True))
                {
                    continue;
                }

                var (start, ended) = Period(member);
                if (ended)
                {
                    continue;
                }

                members.Add(patient);
                if (since is null || start is not { } joined || joined <= since)
                {
                    before.Add(patient);
                }
            }
        }

        var joinedSince = new HashSet<string>(members, StringComparer.Ordinal);
        joinedSince.ExceptWith(before);
        return new GroupMembers(members, joinedSince);
    }

    private static (DateTimeOffset? Start, bool Ended) Period(JsonElement member)
    {
        if (!member.TryGetProperty("period", out var period) || period.ValueKind != JsonValueKind.Object)
        {
            return (null, false);
        }

        DateTimeOffset? start = period.TryGetProperty("start", out var s) && s.ValueKind == JsonValueKind.String && FhirDateTime.TryParse(s.GetString(), out var parsed)
            ? parsed.Start
            : null;
        return (start, period.TryGetProperty("end", out var end) && end.ValueKind == JsonValueKind.String);
    }
}

/// <summary>A Group's current members, and those of them who joined after an export's <c>_since</c>.</summary>
internal sealed record GroupMembers(HashSet<string> Patients, HashSet<string> JoinedSince);
