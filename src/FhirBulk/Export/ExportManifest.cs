using System.Text.Json;
using System.Text.Json.Serialization;

namespace FhirBulk.Export;

/// <summary>
/// The complete-status manifest of an export (Bulk Data IG STU2–STU4, "Response - Complete Status"), every field modelled.
/// Unknown members are kept in <see cref="AdditionalProperties"/> so a saved manifest loses nothing.
/// </summary>
public sealed class ExportManifest
{
    /// <summary>When the server's data snapshot was taken; the <c>_since</c> of the next incremental export.</summary>
    [JsonPropertyName("transactionTime")]
    public string? TransactionTime { get; set; }

    /// <summary>The kick-off URL the server answered.</summary>
    [JsonPropertyName("request")]
    public string? Request { get; set; }

    /// <summary>Whether file downloads need the bearer token.</summary>
    [JsonPropertyName("requiresAccessToken")]
    public bool RequiresAccessToken { get; set; }

    /// <summary>The STU3 <c>outputOrganizedBy</c> resource type, when output is organized by patient.</summary>
    [JsonPropertyName("outputOrganizedBy")]
    public string? OutputOrganizedBy { get; set; }

    /// <summary>The data files.</summary>
    [JsonPropertyName("output")]
    public List<ManifestFile> Output { get; set; } = [];

    /// <summary>Files of OperationOutcome resources describing failures; STU4 drafts call the list <c>outcome</c> (merged here).</summary>
    [JsonPropertyName("error")]
    public List<ManifestFile> Error { get; set; } = [];

    /// <summary>STU4 name of <see cref="Error"/>; read and merged into it.</summary>
    [JsonPropertyName("outcome")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<ManifestFile>? Outcome { get; set; }

    /// <summary>Files of Bundles of deleted resources (with <c>_since</c>).</summary>
    [JsonPropertyName("deleted")]
    public List<ManifestFile> Deleted { get; set; } = [];

    /// <summary>Links to further manifest pages (STU3 <c>allowPartialManifests</c>).</summary>
    [JsonPropertyName("link")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<ManifestLink>? Link { get; set; }

    /// <summary>Extensions, as the server sent them (an object in STU1/2, sometimes an array).</summary>
    [JsonPropertyName("extension")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonElement? Extension { get; set; }

    /// <summary>Members this model does not know, kept verbatim.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; set; }

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
            manifest.Error.AddRange(outcome);
        }

        manifest.Outcome = null;
        return manifest;
    }

    /// <summary>Writes the manifest as indented JSON.</summary>
    /// <returns>The JSON text.</returns>
    public string ToJson() => JsonSerializer.Serialize(this, ManifestJsonContext.Default.ExportManifest);

    internal void Append(ExportManifest page)
    {
        Output.AddRange(page.Output);
        Error.AddRange(page.Error);
        Deleted.AddRange(page.Deleted);
        Link = page.Link;
    }
}

/// <summary>One file of a manifest.</summary>
public sealed class ManifestFile
{
    /// <summary>The resource type of the file's lines (<c>OperationOutcome</c> for error files, <c>Bundle</c> for deleted files).</summary>
    [JsonPropertyName("type")]
    public string? Type { get; set; }

    /// <summary>Where to download the file.</summary>
    [JsonPropertyName("url")]
    public string Url { get; set; } = string.Empty;

    /// <summary>The number of resources the server says the file holds (servers miscount: the client verifies it).</summary>
    [JsonPropertyName("count")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Count { get; set; }

    /// <summary>STU4: the file's size in bytes.</summary>
    [JsonPropertyName("fileSize")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? FileSize { get; set; }

    /// <summary>STU3 (organizeOutputBy): the URL of the file this one's last patient block continues in.</summary>
    [JsonPropertyName("continuesInFile")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ContinuesInFile { get; set; }

    /// <summary>Extensions, as the server sent them.</summary>
    [JsonPropertyName("extension")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonElement? Extension { get; set; }

    /// <summary>Members this model does not know, kept verbatim.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; set; }
}

/// <summary>A manifest link (<c>relation</c> and <c>url</c>).</summary>
public sealed class ManifestLink
{
    /// <summary>The relation, <c>next</c> for the following page.</summary>
    [JsonPropertyName("relation")]
    public string? Relation { get; set; }

    /// <summary>The page's URL.</summary>
    [JsonPropertyName("url")]
    public string? Url { get; set; }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNameCaseInsensitive = false, NumberHandling = JsonNumberHandling.AllowReadingFromString)]
[JsonSerializable(typeof(ExportManifest))]
internal sealed partial class ManifestJsonContext : JsonSerializerContext;
