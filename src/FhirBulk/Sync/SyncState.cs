using System.Text.Json;
using System.Text.Json.Serialization;
using FhirBulk.Export;
using FhirBulk.ExportFolder;

namespace FhirBulk.Sync;

/// <summary>
/// <c>sync.json</c>: what a sync folder keeps up to date (the server and the request), the increments exported so far with
/// their transactionTimes and whether their changes are in the tables, and the fingerprint of the views the tables were made with.
/// </summary>
internal sealed class SyncState
{
    public const string FileName = "sync.json";

    public string Server { get; set; } = string.Empty;

    /// <summary>The request of every increment, without <c>_since</c> (each increment has its own).</summary>
    public ExportRequest Request { get; set; } = new();

    /// <summary>The <see cref="SyncViews.Fingerprint"/> the tables were made with; null before any table.</summary>
    public string? ViewFingerprint { get; set; }

    /// <summary>Where the tables are; null in folders from before the lake, whose tables are in DuckDB.</summary>
    public SyncFormat? Format { get; set; }

    /// <summary>The tables the views made, to drop them when the views change.</summary>
    public List<string> Tables { get; set; } = [];

    public List<SyncIncrement> Increments { get; set; } = [];

    public static string PathIn(string directory) => Path.Combine(directory, FileName);

    public static SyncState? Load(string directory)
    {
        var path = PathIn(directory);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var stream = File.OpenRead(path);
            return JsonSerializer.Deserialize(stream, SyncStateJsonContext.Default.SyncState)
                ?? throw new JsonException("the document is null");
        }
        catch (JsonException e)
        {
            throw new ExportFolderException(directory, $"{path} is not a sync state ({e.Message}).", e);
        }
    }

    /// <exception cref="ExportFolderException">The file could not be written; the previous one is kept.</exception>
    public void Save(string directory) =>
        FolderIo.Write(directory, PathIn(directory), () => AtomicFile.Write(PathIn(directory), stream => JsonSerializer.Serialize(stream, this, SyncStateJsonContext.Default.SyncState)));
}

/// <summary>One increment of a sync folder.</summary>
internal sealed class SyncIncrement
{
    /// <summary>1 for the first, full export.</summary>
    public int Number { get; set; }

    /// <summary>The <c>_since</c> it was exported with: the previous increment's transactionTime as the server wrote it; null for the first.</summary>
    public string? Since { get; set; }

    /// <summary>The manifest's transactionTime, as the server wrote it.</summary>
    public string TransactionTime { get; set; } = string.Empty;

    /// <summary>Whether its changes are committed to the tables.</summary>
    public bool Applied { get; set; }
}

[JsonSourceGenerationOptions(WriteIndented = true, UseStringEnumConverter = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SyncState))]
internal sealed partial class SyncStateJsonContext : JsonSerializerContext;
