using System.Text.Json;

namespace FhirBulk.Server.Data;

/// <summary>Reads Group resources from the store's Group files on demand (they are few, but may be large).</summary>
internal sealed class GroupReader(ResourceStore store)
{
    /// <summary>Calls <paramref name="visit"/> with each Group's id and raw JSON line.</summary>
    public void ForEach(Action<string, ReadOnlyMemory<byte>> visit)
    {
        foreach (var file in store.FilesOf("Group"))
        {
            using var reader = NdjsonLineReader.Open(file);
            while (reader.TryReadLine(out var line))
            {
                var header = ResourceHeader.Read(line.Span);
                if (header.Id is not null)
                {
                    visit(header.Id, line);
                }
            }
        }
    }

    public byte[]? Find(string id)
    {
        byte[]? found = null;
        ForEach((groupId, line) =>
        {
            if (found is null && groupId == id)
            {
                found = line.ToArray();
            }
        });
        return found;
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
                if (member.TryGetProperty("entity", out var entity) && entity.TryGetProperty("reference", out var reference)
                    && ResourceHeader.PatientIdOf(reference.GetString()) is { } patient)
                {
                    members.Add(patient);
                }
            }
        }

        return members;
    }
}
