using System.Text.Json;

namespace FhirBulk.Server.Data;

/// <summary>Reads Group resources from the store's Group files on demand (they are few, but may be large).</summary>
internal sealed class GroupReader(ResourceStore store)
{
    /// <summary>Each Group's id and raw JSON line; a line's memory is valid until the next item.</summary>
    public IEnumerable<(string Id, ReadOnlyMemory<byte> Line)> All()
    {
        foreach (var file in store.FilesOf("Group"))
        {
            using var reader = NdjsonLineReader.Open(file);
            while (reader.TryReadLine(out var line))
            {
                if (TryReadId(line.Span) is { } id)
                {
                    yield return (id, line);
                }
            }
        }
    }

    // A line that is not a readable resource is no Group: one bad line in a data folder must not
    // turn every Group read and Group kick-off into a 500 (exports skip such lines the same way).
    private static string? TryReadId(ReadOnlySpan<byte> line)
    {
        try
        {
            return ResourceHeader.Read(line, HeaderFields.Id).Id;
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

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

    /// <summary>Patient ids of a Group's members (<c>member.entity</c> references to Patients), or null when there is no such Group.</summary>
    public HashSet<string>? Members(string id)
    {
        var line = Find(id);
        if (line is null)
        {
            return null;
        }

        var members = new HashSet<string>(StringComparer.Ordinal);
        using var document = JsonDocument.Parse(line);
        if (document.RootElement.TryGetProperty("member", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var member in list.EnumerateArray())
            {
                // Data folders hold whatever a user put there: a member that is not shaped like one is skipped, not a 500.
                if (member.ValueKind == JsonValueKind.Object
                    && member.TryGetProperty("entity", out var entity) && entity.ValueKind == JsonValueKind.Object
                    && entity.TryGetProperty("reference", out var reference) && reference.ValueKind == JsonValueKind.String
                    && ResourceHeader.PatientIdOf(reference.GetString()) is { } patient)
                {
                    members.Add(patient);
                }
            }
        }

        return members;
    }
}
