using System.IO.Compression;
using System.Security.Cryptography;
using FhirBulk.Export;

namespace FhirBulk.ExportFolder;

/// <summary>A file of an export folder that is not what the export recorded.</summary>
/// <param name="FileName">The path relative to the export folder, e.g. <c>Patient.001.ndjson</c>.</param>
/// <param name="Problem">What is wrong: <c>missing</c>, its size, or its SHA-256.</param>
public sealed record FileProblem(string FileName, string Problem)
{
    /// <summary>
    /// Whether <c>export --resume</c> sees this problem by itself. It does not for an object damaged inside a store with its
    /// size and ETag unchanged (a resume checks objects by those only): such an object must be deleted before a resume.
    /// </summary>
    public bool ResumeRepairs { get; init; } = true;

    /// <summary>
    /// Whether the file cannot be read at all: its store refuses to hand over bytes that fail the store's own checksum, so
    /// its lines cannot be counted until it is written again.
    /// </summary>
    public bool Unreadable { get; init; }

    /// <inheritdoc/>
    public override string ToString() => $"{FileName}: {Problem}";
}

/// <summary>What <see cref="ExportFolderVerifier.VerifyAsync"/> found.</summary>
/// <param name="Folder">The folder's full path.</param>
/// <param name="FilesChecked">Complete files whose size and SHA-256 were checked.</param>
/// <param name="Bytes">Bytes read from disk.</param>
/// <param name="Problems">Files missing or changed since the export wrote them; empty when the folder is intact.</param>
/// <param name="ExportCompleted">Whether the export had finished; an unfinished one is checked as far as it got.</param>
public sealed record ExportFolderVerification(string Folder, int FilesChecked, long Bytes, IReadOnlyList<FileProblem> Problems, bool ExportCompleted)
{
    /// <summary>True when every complete file is on disk exactly as recorded.</summary>
    public bool IsIntact => Problems.Count == 0;
}

/// <summary>
/// Checks the files of an export folder against the size and SHA-256 that the export recorded for the bytes it stored
/// (<see cref="ExportFileState.StoredBytes"/>, <see cref="ExportFileState.StoredSha256"/>): what <c>fhir-bulk inspect
/// --verify</c> runs, and what a resume does before trusting a file it finished earlier.
/// </summary>
public static class ExportFolderVerifier
{
    private const int BufferSize = 1 << 20;

    /// <summary>Checks every complete file the export in <paramref name="folder"/> recorded.</summary>
    /// <param name="folder">A folder written by <see cref="BulkDataClient.ExportToDirectoryAsync"/>.</param>
    /// <param name="cancellationToken">Stops the check.</param>
    /// <returns>What was checked and every file that is missing or changed.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="ExportFolderException">The folder is a file, holds no fhir-bulk export state, or it cannot be read.</exception>
    public static async Task<ExportFolderVerification> VerifyAsync(string folder, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        return (await VerifyStateAsync(Path.GetFullPath(folder), cancellationToken).ConfigureAwait(false)).Verification;
    }

    /// <summary>The check of <see cref="VerifyAsync"/>, with the state it checked against.</summary>
    internal static async Task<(ExportFolderVerification Verification, ExportState State)> VerifyStateAsync(string folder, CancellationToken cancellationToken)
    {
        ExportFolderLayout.RequireFolder(folder);
        var state = ExportState.Load(folder)
            ?? throw new ExportFolderException(folder, $"{folder} holds no fhir-bulk export ({ExportState.FileName} is missing): there is nothing recorded to verify against.");
        var complete = state.Files.Where(f => f.Status == ExportFileStatus.Complete).ToList();
        var problems = await CheckAsync(folder, complete, cancellationToken).ConfigureAwait(false);
        var bytes = complete.Where(f => !problems.Any(p => p.FileName == f.FileName)).Sum(f => f.StoredBytes ?? f.Bytes);
        return (new ExportFolderVerification(folder, complete.Count, bytes, problems, state.Completed), state);
    }

    /// <summary>Checks <paramref name="files"/> in parallel (one per core: hashing is CPU-bound once the file is cached).</summary>
    internal static async Task<IReadOnlyList<FileProblem>> CheckAsync(string directory, IReadOnlyList<ExportFileState> files, CancellationToken cancellationToken)
    {
        var problems = new FileProblem?[files.Count];
        await Parallel.ForAsync(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount, CancellationToken = cancellationToken }, async (i, token) =>
        {
            problems[i] = await CheckAsync(directory, files[i], token).ConfigureAwait(false) is { } problem ? new FileProblem(files[i].FileName, problem) : null;
        }).ConfigureAwait(false);
        return [.. problems.OfType<FileProblem>()];
    }

    /// <summary>What is wrong with one complete file on disk, or <see langword="null"/> when it is as recorded.</summary>
    internal static async Task<string?> CheckAsync(string directory, ExportFileState file, CancellationToken cancellationToken)
    {
        var path = ExportFolderLayout.FullPath(directory, file.FileName);
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            return "missing";
        }

        var compressed = path.EndsWith(".gz", StringComparison.Ordinal);

        // State files written before the stored hash was recorded know only the NDJSON's: for a plain file that is the same.
        var (expectedBytes, expectedHash) = file.StoredSha256 is { } stored ? (file.StoredBytes, stored)
            : compressed ? (null, null)
            : ((long?)file.Bytes, file.Sha256);
        if (expectedBytes is { } size && info.Length != size)
        {
            return $"{info.Length:N0} bytes on disk, {size:N0} recorded";
        }

        if (expectedHash is null)
        {
            if (file.Sha256 is null)
            {
                return null;
            }

            return await HashAsync(path, decompress: true, cancellationToken).ConfigureAwait(false) == file.Sha256
                ? null
                : "its NDJSON content differs from the recorded SHA-256";
        }

        return await HashAsync(path, decompress: false, cancellationToken).ConfigureAwait(false) == expectedHash
            ? null
            : "SHA-256 differs from the recorded one";
    }

    /// <summary>The SHA-256 (lowercase hex) of a file's bytes, or of its decompressed content.</summary>
    internal static async Task<string> HashAsync(string path, bool decompress, CancellationToken cancellationToken)
    {
        try
        {
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan);
            await using var content = decompress ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file;
            return Convert.ToHexStringLower(await SHA256.HashDataAsync(content, cancellationToken).ConfigureAwait(false));
        }
        catch (InvalidDataException)
        {
            // A .gz that no longer decompresses cannot match.
            return string.Empty;
        }
    }
}
