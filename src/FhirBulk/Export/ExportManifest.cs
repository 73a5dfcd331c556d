using System.Text.Json;
using System.Text.Json.Serialization;

namespace FhirBulk.Export;

/// <summary>
/// The complete-status manifest of an export (Bulk Data IG STU2–STU4, "Response - Complete Status"), every field modelled.
/// Unknown members are kept in <see cref="AdditionalProperties"/> so a saved manifest loses nothing.
/// </summary>
/// <remarks>Read-only to callers: get one from <see cref="Parse"/> or from the export (<see cref="ExportOperation.Manifest"/>,
/// <see cref="ExportResult.Manifest"/>); the results that hand it out cannot be changed through it.</remarks>
public sealed class ExportManifest
{
    /// <summary>When the server's data snapshot was taken; the <c>_since</c> of the next incremental export.</summary>
    [JsonPropertyName("transactionTime")]
    [JsonInclude]
    public string? TransactionTime { get; internal set; }

    /// <summary>The kick-off URL the server answered.</summary>
    [JsonPropertyName("request")]
    [JsonInclude]
    public string? Request { get; internal set; }

    /// <summary>Whether file downloads need the bearer token.</summary>
    [JsonPropertyName("requiresAccessToken")]
    [JsonInclude]
    public bool RequiresAccessToken { get; internal set; }

    /// <summary>The STU3 <c>outputOrganizedBy</c> resource type, when output is organized by patient.</summary>
    [JsonPropertyName("outputOrganizedBy")]
    [JsonInclude]
    public string? OutputOrganizedBy { get; internal set; }

    /// <summary>The data files.</summary>
    [JsonPropertyName("output")]
    [JsonInclude]
    public IReadOnlyList<ManifestFile> Output { get; internal set; } = [];

    /// <summary>Files of OperationOutcome resources describing failures; STU4 drafts call the list <c>outcome</c> (merged here).</summary>
    [JsonPropertyName("error")]
    [JsonInclude]
    public IReadOnlyList<ManifestFile> Error { get; internal set; } = [];

    /// <summary>STU4 name of <see cref="Error"/>; read and merged into it.</summary>
    [JsonPropertyName("outcome")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    [JsonInclude]
    public IReadOnlyList<ManifestFile>? Outcome { get; internal set; }

    /// <summary>Files of Bundles of deleted resources (with <c>_since</c>).</summary>
    [JsonPropertyName("deleted")]
    [JsonInclude]
    public IReadOnlyList<ManifestFile> Deleted { get; internal set; } = [];

    /// <summary>Links to further manifest pages (STU3 <c>allowPartialManifests</c>).</summary>
    [JsonPropertyName("link")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    [JsonInclude]
    public IReadOnlyList<ManifestLink>? Link { get; internal set; }

    /// <summary>Extensions, as the server sent them (an object in STU1/2, sometimes an array).</summary>
    [JsonPropertyName("extension")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    [JsonInclude]
    public JsonElement? Extension { get; internal set; }

    /// <summary>Members this model does not know, kept verbatim.</summary>
    [JsonIgnore]
    public IReadOnlyDictionary<string, JsonElement>? AdditionalProperties => ExtensionData;

    [JsonExtensionData]
    [JsonInclude]
    internal Dictionary<string, JsonElement>? ExtensionData { get; set; }

    /// <summary>The <c>next</c> page's URL, when the manifest is partial.</summary>
    [JsonIgnore]
    public string? NextPage => Link?.FirstOrDefault(l => string.Equals(l.Relation, "next", StringComparison.OrdinalIgnoreCase))?.Url;

    /// <summary>Parses a manifest document.</summary>
    /// <param name="json">The manifest JSON.</param>
    /// <returns>The manifest, with <c>outcome</c> merged into <see cref="Error"/>.</returns>
    public static ExportManifest Parse(ReadOnlySpan<byte> json)
    {
        var manifest = JsonSerializer.Deserialize(json, ManifestJsonContext.Default.ExportManifest)
            ?? throw new JsonException("The manifest is null.");
        manifest.Output ??= [];
        manifest.Error ??= [];
        manifest.Deleted ??= [];
        if (manifest.Outcome is { Count: > 0 } outcome)
        {
            manifest.Error = [.. manifest.Error, .. outcome];
        }

        manifest.Outcome = null;
        return manifest;
    }

    /// <summary>Writes the manifest as indented JSON.</summary>
    /// <returns>The JSON text.</returns>
    public string ToJson() => JsonSerializer.Serialize(this, ManifestJsonContext.Default.ExportManifest);

    /// <summary>Adds a further page's files (the lists grow in place: a manifest of many pages is not copied once per page).</summary>
    internal void Append(ExportManifest page)
    {
        Output = Grown(Output, page.Output);
        Error = Grown(Error, page.Error);
        Deleted = Grown(Deleted, page.Deleted);
        Link = page.Link;
    }

    private static List<ManifestFile> Grown(IReadOnlyList<ManifestFile> list, IReadOnlyList<ManifestFile> more)
    {
        var grown = list as List<ManifestFile> ?? [.. list];
        grown.AddRange(more);
        return grown;
    }
}

/// <summary>One file of a manifest.</summary>
public sealed class ManifestFile
{
    /// <summary>The resource type of the file's lines (<c>OperationOutcome</c> for error files, <c>Bundle</c> for deleted files).</summary>
    [JsonPropertyName("type")]
    [JsonInclude]
    public string? Type { get; internal set; }

    /// <summary>Where to download the file.</summary>
    [JsonPropertyName("url")]
    [JsonInclude]
    public string Url { get; internal set; } = string.Empty;

    /// <summary>The number of resources the server says the file holds (servers miscount: the client verifies it).</summary>
    [JsonPropertyName("count")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    [JsonInclude]
    public long? Count { get; internal set; }

    /// <summary>STU4: the file's size in bytes.</summary>
    [JsonPropertyName("fileSize")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    [JsonInclude]
    public long? FileSize { get; internal set; }

    /// <summary>STU3 (organizeOutputBy): the URL of the file this one's last patient block continues in.</summary>
    [JsonPropertyName("continuesInFile")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    [JsonInclude]
    public string? ContinuesInFile { get; internal set; }

    /// <summary>Extensions, as the server sent them.</summary>
    [JsonPropertyName("extension")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    [JsonInclude]
    public JsonElement? Extension { get; internal set; }

    /// <summary>Members this model does not know, kept verbatim.</summary>
    [JsonIgnore]
    public IReadOnlyDictionary<string, JsonElement>? AdditionalProperties => ExtensionData;

    [JsonExtensionData]
    [JsonInclude]
    internal Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>A manifest link (<c>relation</c> and <c>url</c>).</summary>
public sealed class ManifestLink
{
    /// <summary>The relation, <c>next</c> for the following page.</summary>
    [JsonPropertyName("relation")]
    [JsonInclude]
    public string? Relation { get; internal set; }

    /// <summary>The page's URL.</summary>
    [JsonPropertyName("url")]
    [JsonInclude]
    public string? Url { get; internal set; }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNameCaseInsensitive = false, NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(ExportManifest))]
internal sealed partial class ManifestJsonContext : JsonSerializerContext;
