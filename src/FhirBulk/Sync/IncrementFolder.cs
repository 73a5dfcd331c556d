using System.Text.Json;
using FhirBulk.ExportFolder;
using FhirBulk.Ndjson;

namespace FhirBulk.Sync;

/// <summary>
/// One increment's export folder as the tables read it: its resources (the folder's NDJSON), the keys its <c>deleted/</c>
/// Bundles list, and at Group level the Group's active members as read after the export (<c>group.json</c>).
/// </summary>
internal sealed class IncrementFolder(string directory)
{
    /// <summary>The Group resource as read right after the increment's export.</summary>
    public const string GroupFileName = "group.json";

    private IReadOnlyList<string>? _deletedKeys;

    public string Directory { get; } = directory;

    public NdjsonSource Resources() => NdjsonSource.FromFolder(Directory);

    /// <summary>
    /// <c>Type/id</c> of every resource the increment's deleted Bundles list (Bulk Data IG, "deleted": a Bundle of type
    /// transaction whose entries have <c>request.method</c> DELETE and <c>request.url</c> <c>Type/id</c>).
    /// </summary>
    /// <remarks>Read once per instance: the tables and the sync's summary both ask, and a folder's Bundles do not change once exported.</remarks>
    public async Task<IReadOnlyList<string>> DeletedKeysAsync(CancellationToken cancellationToken) =>
        _deletedKeys ??= await ReadDeletedKeysAsync(cancellationToken).ConfigureAwait(false);

    private async Task<List<string>> ReadDeletedKeysAsync(CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        var folder = Path.Combine(Directory, ExportFolderLayout.DeletedFolderName);
        if (!System.IO.Directory.Exists(folder))
        {
            return keys;
        }

        await foreach (var bundle in NdjsonSource.FromFolder(folder).ReadAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            using var document = JsonDocument.Parse(bundle.Json);
            if (!document.RootElement.TryGetProperty("entry", out var entries) || entries.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            foreach (var entry in entries.EnumerateArray())
            {
                if (entry.TryGetProperty("request", out var request) && request.ValueKind == JsonValueKind.Object
                    && request.TryGetProperty("url", out var url) && url.ValueKind == JsonValueKind.String
                    && ResourceKeys.FromUrl(url.GetString()!) is { } key)
                {
                    keys.Add(key);
                }
            }
        }

        return keys;
    }

    /// <summary>
    /// <c>Patient/id</c> of the Group's active members: a member with <c>inactive: true</c> or a <c>period.end</c> has left
    /// (how the Bulk Data IG's servers, and the embedded one, record a leaver: no deletion is listed for their data).
    /// </summary>
    public HashSet<string> ActiveMembers()
    {
        var path = Path.Combine(Directory, GroupFileName);
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var members = new HashSet<string>(StringComparer.Ordinal);
        if (!document.RootElement.TryGetProperty("member", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            return members;
        }

        foreach (var member in list.EnumerateArray())
        {
            var left = (member.TryGetProperty("inactive", out var inactive) && inactive.ValueKind == JsonValueKind.True)
                || (member.TryGetProperty("period", out var period) && period.ValueKind == JsonValueKind.Object && period.TryGetProperty("end", out _));
            if (!left && member.TryGetProperty("entity", out var entity) && entity.ValueKind == JsonValueKind.Object
                && entity.TryGetProperty("reference", out var reference) && reference.ValueKind == JsonValueKind.String
                && ResourceKeys.FromUrl(reference.GetString()!) is { } key && key.StartsWith(ResourceKeys.PatientPrefix, StringComparison.Ordinal))
            {
                members.Add(key);
            }
        }

        return members;
    }
}
