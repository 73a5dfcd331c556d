using System.Text.Json;
using System.Text.Json.Serialization;
using FhirBulk.Export;

namespace FhirBulk.ExportFolder;

/// <summary>Everything needed to resume an export after a crash: kept in <c>.fhir-bulk-state.json</c>, written atomically.</summary>
internal sealed class ExportState
{
    public const string FileName = ExportFolderLayout.StateFileName;

    public int Version { get; set; } = 1;

    public string Server { get; set; } = string.Empty;

    public ExportRequest Request { get; set; } = new();

    public string? StatusUrl { get; set; }

    public DateTimeOffset StartedAt { get; set; }

    public ExportManifest? Manifest { get; set; }

    public List<ExportFileState> Files { get; set; } = [];

    public int ReExports { get; set; }

    /// <summary>Files complete before a re-export, until the new manifest says which of them still fit.</summary>
    public List<ExportFileState>? PreviousFiles { get; set; }

    public bool Completed { get; set; }

    public bool Cancelled { get; set; }

    public bool JobDeleted { get; set; }

    public static string PathIn(string directory) => Path.Combine(directory, FileName);

    public static ExportState? Load(string directory)
    {
        var path = PathIn(directory);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var stream = File.OpenRead(path);
            return JsonSerializer.Deserialize(stream, StateJsonContext.Default.ExportState)
                ?? throw new JsonException("it is empty");
        }
        catch (JsonException exception)
        {
            throw new ExportFolderException(directory, $"{path} is not a fhir-bulk export state ({exception.Message}); move it away to start a new export in this folder.", exception);
        }
    }

    /// <exception cref="ExportFolderException">The state could not be written (disk full, say); the previous state is kept.</exception>
    public void Save(string directory) =>
        FolderIo.Write(directory, PathIn(directory), () => AtomicFile.Write(PathIn(directory), stream => JsonSerializer.Serialize(stream, this, StateJsonContext.Default.ExportState)));
}

[JsonSourceGenerationOptions(WriteIndented = true, UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ExportState))]
internal sealed partial class StateJsonContext : JsonSerializerContext;
