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

    // How the export connects and downloads, so that it can be carried on from the folder alone. Secrets are never
    // recorded: a key given as text leaves ClientId set and KeyFile null. All null in state files written before these
    // were recorded; such a folder resumes with the resuming client's options.

    public string? ClientId { get; set; }

    /// <summary>The key file's absolute path (<see cref="Auth.ClientSigningKey.SourcePath"/>), never the key.</summary>
    public string? KeyFile { get; set; }

    public string? KeyId { get; set; }

    public string? Scope { get; set; }

    public string? CaBundle { get; set; }

    public int? MaxParallelDownloads { get; set; }

    public TransferCompression? TransferCompression { get; set; }

    public bool? DeleteJobAfterDownload { get; set; }

    // How files are stored and checked: fixed when the export starts, so that one export never mixes two kinds of files.

    public bool? CompressOutput { get; set; }

    public ErrorPolicy? MalformedLines { get; set; }

    public string? StatusUrl { get; set; }

    public DateTimeOffset StartedAt { get; set; }

    public ExportManifest? Manifest { get; set; }

    public List<ExportFileState> Files { get; set; } = [];

    public int ReExports { get; set; }

    /// <summary>Files complete before a re-export, until the new manifest says which of them still fit.</summary>
    public List<ExportFileState>? PreviousFiles { get; set; }

    public bool Completed { get; set; }

    /// <summary>When the export first completed; <see langword="null"/> before, and in a state of a version that did not record it.</summary>
    public DateTimeOffset? CompletedAt { get; set; }

    public bool Cancelled { get; set; }

    public bool JobDeleted { get; set; }

    public static string PathIn(string directory) => Path.Combine(directory, FileName);

    /// <summary>
    /// Refuses to have the export's files read as its data before it completed: an interrupted export holds only some of
    /// its files, and tables made of them would be short without a word (inspect says the same, from <see cref="Unfinished"/>).
    /// </summary>
    /// <param name="folder">The folder (or store location) as the reader was given it, named in the message.</param>
    /// <param name="s3Endpoint">The S3-compatible server the folder is on, which the resume command must name; <see langword="null"/> for none.</param>
    /// <exception cref="ExportFolderException">The export did not complete; the message says how far it got and how to finish it.</exception>
    public void EnsureCompleted(string folder, Uri? s3Endpoint = null)
    {
        if (Unfinished(folder, s3Endpoint) is { } unfinished)
        {
            if (StillRunning(folder) is { } running)
            {
                throw new ExportFolderException(folder, $"{folder} holds {running}: its tables would lack the rest. Wait for it to finish, then read the folder.");
            }

            throw new ExportFolderException(folder, Cancelled
                ? $"{folder} holds {unfinished.State}: its tables would lack the rest; start a new export."
                : $"{folder} holds {unfinished.State}: its tables would lack the rest. Resume it first: {unfinished.Resume}");
        }
    }

    /// <summary>
    /// "an export that is still running (process 123)" when a running export, resume or cancel holds the lock of the local
    /// folder on an export that did not complete; <see langword="null"/> otherwise. Resuming it would be refused by its
    /// lock: the one thing to do is wait, which every message about such a folder says instead of resuming it.
    /// </summary>
    /// <param name="folder">The folder; a store location is never reported running (its lock is not asked).</param>
    public string? StillRunning(string folder) =>
        !Completed && !Cancelled && Directory.Exists(folder) && ExportFolderLock.IsHeld(folder, out var owner)
            ? $"an export that is still running ({(owner is null ? "its process id is not known yet" : "process " + owner)})"
            : null;

    /// <summary>
    /// What an export that did not complete is, as a phrase ("an unfinished export (5 of 8 files of its manifest are
    /// complete)"), and the command that finishes it (none once cancelled: its job is gone); <see langword="null"/> once complete.
    /// </summary>
    /// <param name="folder">The folder (or store location), named in the command.</param>
    /// <param name="s3Endpoint">The S3-compatible server the folder is on, which the resume command must name; <see langword="null"/> for none.</param>
    public (string State, string? Resume)? Unfinished(string folder, Uri? s3Endpoint = null)
    {
        if (Completed)
        {
            return null;
        }

        // Before the manifest the server had not said which files there are: a count of none of none would mislead.
        var complete = Files.Count(f => f.Status == ExportFileStatus.Complete);
        var progress = Manifest is null ? "the server had not yet listed its files" : $"{complete} of {Files.Count} files of its manifest are complete";
        return Cancelled
            ? ($"an export cancelled before it completed ({progress})", null)
            : ($"an unfinished export ({progress})", CommandLineText.ResumeExport(folder, s3Endpoint));
    }

    /// <summary>A new export of <paramref name="server"/>, recording how <paramref name="options"/> connect, download and store files.</summary>
    public static ExportState Start(Uri server, ExportRequest request, BulkDataClientOptions options)
    {
        var state = new ExportState
        {
            Server = server.AbsoluteUri,
            Request = request,
            StartedAt = options.TimeProvider.GetUtcNow(),
            CompressOutput = options.CompressOutput,
            MalformedLines = options.MalformedLines,
        };
        state.RecordConnection(options);
        return state;
    }

    /// <summary>
    /// Records how <paramref name="options"/> connect and download (not how they store files), so that the next resume
    /// from the folder alone connects as this run does: a resume with another key file, say, records that one.
    /// </summary>
    public void RecordConnection(BulkDataClientOptions options)
    {
        ClientId = options.Credentials?.ClientId;
        KeyFile = options.Credentials?.SigningKey.SourcePath;
        KeyId = options.Credentials?.SigningKey.KeyId;
        Scope = options.Credentials?.Scope;
        CaBundle = options.CaBundlePath is { } caBundle ? Path.GetFullPath(caBundle) : null;
        MaxParallelDownloads = options.MaxParallelDownloads;
        TransferCompression = options.TransferCompression;
        DeleteJobAfterDownload = options.DeleteJobAfterDownload;
    }

    /// <summary><paramref name="options"/>, but storing and checking files as this export started (the client's own choice for an old state file).</summary>
    public BulkDataClientOptions OutputOptions(BulkDataClientOptions options)
    {
        var output = options.Clone();
        output.CompressOutput = CompressOutput ?? options.CompressOutput;
        output.MalformedLines = MalformedLines ?? options.MalformedLines;
        return output;
    }

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

    /// <summary>The state in <paramref name="directory"/>, which must hold one.</summary>
    /// <exception cref="ExportFolderException">There is no state file.</exception>
    public static ExportState LoadExisting(string directory) => Load(directory) ?? throw Missing(directory);

    /// <summary>The failure of a local folder that holds no state where one was expected, saying what it holds instead.</summary>
    public static ExportFolderException Missing(string directory) =>
        Missing(directory, Directory.Exists(directory) ? ExportFolderContents.ExportFiles(directory) : null);

    /// <summary>
    /// The failure of a folder (or store prefix) that holds no state where one was expected. Its advice must work: a folder
    /// of other export-like files (a generated population, an export of another tool) is one the export command refuses,
    /// so only an empty or new folder is offered as the <c>--out</c> of a new export.
    /// </summary>
    /// <param name="directory">The folder or store location, as named in the message.</param>
    /// <param name="exportFiles">The files there that an export writes, reads or lists (<see cref="ExportFolderContents.IsExportFile"/>), or <see langword="null"/> when the folder does not exist.</param>
    public static ExportFolderException Missing(string directory, IReadOnlyCollection<string>? exportFiles) => new(directory, exportFiles switch
    {
        null => $"{directory} does not exist, so it holds no export to resume: check the path, or start an export there with the export command, giving --out {directory}.",
        { Count: 0 } => $"{directory} holds no export ({FileName} is missing): start it with the export command, giving --out {directory}.",
        _ => $"{directory} holds no export to resume ({FileName} is missing) but {(exportFiles.Count == 1 ? "a file" : $"{exportFiles.Count} files")} no export of fhir-bulk wrote ({Counted.FirstOf(exportFiles, 5)}), which the export command would not write beside: to export, give it another --out (a new folder); view --input {directory} reads {(exportFiles.Count == 1 ? "that file" : "those files")} as they are.",
    });

    /// <exception cref="ExportFolderException">The state could not be written (disk full, say); the previous state is kept.</exception>
    public void Save(string directory) =>
        FolderIo.Write(directory, PathIn(directory), () => AtomicFile.Write(PathIn(directory), stream => JsonSerializer.Serialize(stream, this, StateJsonContext.Default.ExportState)));
}

[JsonSourceGenerationOptions(WriteIndented = true, UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ExportState))]
internal sealed partial class StateJsonContext : JsonSerializerContext;
