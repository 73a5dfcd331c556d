using FhirBulk.Server.Data;
using FhirBulk.Server.Data.Generation;

namespace FhirBulk.Server;

/// <summary>
/// Writes a deterministic, Synthea-like synthetic population as NDJSON per resource type. It streams:
/// one patient is generated at a time, so memory does not grow with the population.
/// </summary>
public static class PopulationGenerator
{
    /// <summary>The folder beside the data that <see cref="AdvanceAsync"/> writes its steps into (<c>steps/NNNN/</c>, <c>steps/timeline.json</c>).</summary>
    public const string StepsFolder = Timeline.Folder;

    /// <summary>Resource types the generator writes.</summary>
    public static IReadOnlyList<string> ResourceTypes { get; } =
        ["Organization", "Practitioner", "Patient", "Encounter", "Condition", "Observation", "Immunization", "MedicationRequest", "Procedure", "AllergyIntolerance", "Group"];

    /// <summary>Generates <paramref name="patients"/> patients for <paramref name="seed"/> into <paramref name="outputDirectory"/>.</summary>
    /// <param name="outputDirectory">Folder to write to; created when missing.</param>
    /// <param name="patients">Number of patients.</param>
    /// <param name="seed">Seed; the same seed gives byte-identical files.</param>
    /// <param name="cancellationToken">Cancels generation.</param>
    /// <returns>Counts and file names.</returns>
    public static Task<PopulationSummary> GenerateAsync(string outputDirectory, int patients, int seed, CancellationToken cancellationToken = default) =>
        GenerateAsync(outputDirectory, new PopulationOptions { Patients = patients, Seed = seed }, cancellationToken);

    /// <summary>Generates a population described by <paramref name="options"/> into <paramref name="outputDirectory"/>.</summary>
    /// <param name="outputDirectory">Folder to write to; created when missing.</param>
    /// <param name="options">Population size, seed, file split and dates.</param>
    /// <param name="cancellationToken">Cancels generation.</param>
    /// <returns>Counts and file names.</returns>
    public static async Task<PopulationSummary> GenerateAsync(string outputDirectory, PopulationOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputDirectory);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Directory.CreateDirectory(outputDirectory);

        var writers = new Dictionary<string, NdjsonTypeWriter>(StringComparer.Ordinal);
        foreach (var type in ResourceTypes)
        {
            writers[type] = new NdjsonTypeWriter(outputDirectory, type, options.ResourcesPerFile);
        }

        var deleted = new NdjsonTypeWriter(Path.Combine(outputDirectory, GeneratedData.DeletedFolder), "Bundle", options.ResourcesPerFile);
        try
        {
            var context = PopulationContext.Create(options, type => writers[type], deleted, options.ReferenceDate, (DateTimeOffset.MinValue, options.ReferenceDate));

            await CareProviders.WriteAsync(context, writers["Organization"], writers["Practitioner"], cancellationToken);
            for (var index = 0; index < options.Patients; index++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await PatientHistory.WriteAsync(context, index, cancellationToken);
            }

            await PatientGroups.WriteAsync(context, writers["Group"], options.Patients, cancellationToken);
        }
        finally
        {
            foreach (var writer in writers.Values)
            {
                await writer.DisposeAsync();
            }

            await deleted.DisposeAsync();
        }

        return new PopulationSummary(
            writers.Where(w => w.Value.Count > 0).ToDictionary(w => w.Key, w => w.Value.Count, StringComparer.Ordinal),
            deleted.Count,
            [.. writers.Values.SelectMany(w => w.Files), .. deleted.Files.Select(f => $"{GeneratedData.DeletedFolder}/{f}")],
            writers.Values.Sum(w => w.Bytes) + deleted.Bytes);
    }

    /// <summary>
    /// Generates a population as <see cref="GenerateAsync(string, PopulationOptions, CancellationToken)"/> does, with its
    /// timeline when <paramref name="steps"/> is given, so that a population cut short (a cancellation, a full disk, a
    /// kill) is never taken for a whole one by a reader of the folder (<c>inspect</c>, <c>view</c>, a server's data
    /// folder), nor keeps the next call from writing there: it is written into a hidden staging folder beside
    /// <paramref name="outputDirectory"/>, <c>.NAME.unfinished</c> (a staging folder an earlier call left, one that was
    /// killed, is deleted first), and moved into place only when whole. A folder
    /// that does not exist appears by one rename, whole; an existing empty one is kept (it may be a shell's current folder,
    /// which a rename would leave it in as a deleted one) and the population's files and folders are moved into it.
    /// </summary>
    /// <remarks>
    /// On failure or cancellation the staging folder is deleted and <paramref name="outputDirectory"/> is left as it was,
    /// absent or empty, so that the same call runs again; only a failure of the last moves into an existing folder (both are
    /// on one file system, so they are renames) could leave part of the population there. A process killed while writing
    /// leaves only the staging folder, which <see cref="InterruptedStagingFor"/> finds and the next call replaces. One call at
    /// a time writes a staging folder: a second call for the same folder while one runs is refused (an
    /// <see cref="IOException"/> naming the folder) before it touches anything, since deleting the first's staging folder
    /// would have let the first move a part of the second's population into place and report success.
    /// </remarks>
    /// <param name="outputDirectory">The folder to hold the population: one that does not exist, or an empty one (see <see cref="CanGenerateInto"/>). The folders above it are created when missing.</param>
    /// <param name="options">Population size, seed, file split and dates.</param>
    /// <param name="steps">
    /// Steps of change to play after it, as <see cref="AdvanceAsync"/> does (0 only starts the timeline); <see langword="null"/>
    /// for no timeline.
    /// </param>
    /// <param name="cancellationToken">Cancels generation and the steps.</param>
    /// <returns>Counts and file names of the population (its steps not included), relative to <paramref name="outputDirectory"/>.</returns>
    /// <exception cref="ArgumentException">
    /// <paramref name="outputDirectory"/> holds files or folders (a population moved in would mix with them, and readers take a
    /// folder's files for one population), or is a file; nothing was written.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="steps"/> is negative, or <paramref name="options"/> are out of range.</exception>
    /// <exception cref="IOException">Writing or moving failed (a full disk, say), or another call is generating into the same folder.</exception>
    /// <exception cref="UnauthorizedAccessException">The folder above <paramref name="outputDirectory"/> cannot be written.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task<PopulationSummary> GenerateStagedAsync(string outputDirectory, PopulationOptions options, int? steps = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputDirectory);
        ArgumentNullException.ThrowIfNull(options);
        if (steps is { } count)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(count, nameof(steps));
        }

        options.Validate();
        var folder = FullFolderPath(outputDirectory);
        if (!CanGenerateInto(folder))
        {
            throw new ArgumentException(
                File.Exists(folder)
                    ? $"{folder} is a file, not a folder."
                    : $"{folder} is not empty: a population moved into it would mix with what is there; give a new or empty folder.",
                nameof(outputDirectory));
        }

        var existed = Directory.Exists(folder);
        var staging = StagingFolder(folder);
        using var writer = StagingLock.Take(staging, folder);
        try
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }

            var summary = await GenerateAsync(staging, options, cancellationToken).ConfigureAwait(false);
            if (steps is { } played)
            {
                await AdvanceAsync(staging, options, played, cancellationToken).ConfigureAwait(false);
            }

            MoveInto(staging, folder, existed);
            return summary;
        }
        catch
        {
            DeleteQuietly(staging);
            throw;
        }
    }

    /// <summary>
    /// Whether <see cref="GenerateStagedAsync"/> takes <paramref name="outputDirectory"/>: a folder that does not exist, or
    /// an empty one. A caller that shows progress asks first, so that a refusal comes before any.
    /// </summary>
    /// <param name="outputDirectory">The folder.</param>
    /// <returns><see langword="false"/> for a folder holding anything, and for a file.</returns>
    public static bool CanGenerateInto(string outputDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputDirectory);
        return Directory.Exists(outputDirectory) ? !Directory.EnumerateFileSystemEntries(outputDirectory).Any() : !File.Exists(outputDirectory);
    }

    /// <summary>
    /// The staging folder a <see cref="GenerateStagedAsync"/> into <paramref name="outputDirectory"/> left, when that
    /// folder does not exist and the staging folder does: the generate was killed (or is still writing), and what it
    /// wrote is part of a population. A reader that is told to read the folder says so rather than that it is missing.
    /// </summary>
    /// <param name="outputDirectory">A folder that was to hold a population.</param>
    /// <returns>The full path of the staging folder (<c>.NAME.unfinished</c> beside it), or <see langword="null"/>.</returns>
    public static string? InterruptedStagingFor(string outputDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputDirectory);
        var folder = FullFolderPath(outputDirectory);
        if (Directory.Exists(folder) || File.Exists(folder) || Path.GetDirectoryName(folder) is null)
        {
            return null;
        }

        var staging = StagingFolder(folder);
        return Directory.Exists(staging) ? staging : null;
    }

    /// <summary>
    /// The folder a staging folder of <see cref="GenerateStagedAsync"/> (<c>.NAME.unfinished</c>) was being written for,
    /// when <paramref name="directory"/> is named as one: such a folder holds part of a population, which a reader would
    /// take for a whole one.
    /// </summary>
    /// <param name="directory">A folder.</param>
    /// <returns>The full path of the folder it was written for, or <see langword="null"/> when it is not named as a staging folder.</returns>
    public static string? StagedFor(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var full = FullFolderPath(directory);
        var name = Path.GetFileName(full);
        return name.Length > 1 + UnfinishedSuffix.Length && name.StartsWith('.') && name.EndsWith(UnfinishedSuffix, StringComparison.Ordinal)
            ? Path.Combine(Path.GetDirectoryName(full)!, name[1..^UnfinishedSuffix.Length])
            : null;
    }

    /// <summary>
    /// Plays <paramref name="steps"/> more steps of simulated change on a population folder: each step is one
    /// <see cref="PopulationOptions.StepLength"/> of new visits, resolved Conditions, deletions (some followed by a
    /// re-creation with the same id), a patient moving between Groups and new patients joining one, written to
    /// <c>steps/NNNN/</c> beside the data with every change stamped inside the step's window. The same seed and steps
    /// give byte-identical files; a server serving the folder reports the data's time after the last step as the
    /// <c>transactionTime</c> of its exports.
    /// </summary>
    /// <param name="outputDirectory">A folder <see cref="GenerateAsync(string, PopulationOptions, CancellationToken)"/> wrote.</param>
    /// <param name="options">The options the folder was generated with; a folder that already advanced must have had the same.</param>
    /// <param name="steps">Steps to play; 0 only starts the folder's timeline.</param>
    /// <param name="cancellationToken">Cancels between steps and within one (a step is written whole or not at all).</param>
    /// <returns>The steps the folder has taken in all.</returns>
    public static async Task<int> AdvanceAsync(string outputDirectory, PopulationOptions options, int steps, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputDirectory);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        options.Validate();
        var timeline = Timeline.Read(outputDirectory);
        if (timeline is null)
        {
            new Timeline(options, 0).Write(outputDirectory);
        }
        else if (!SamePopulation(timeline.Population, options))
        {
            throw new ArgumentException($"{outputDirectory} advanced as another population (seed {timeline.Population.Seed}, {timeline.Population.Patients} patients, reference date {timeline.Population.ReferenceDate:O}).", nameof(options));
        }

        for (var step = 0; step < steps; step++)
        {
            await PopulationStep.WriteAsync(new ResourceStore(outputDirectory), cancellationToken);
        }

        return Timeline.Read(outputDirectory)!.Steps;
    }

    private const string UnfinishedSuffix = ".unfinished";

    private static string FullFolderPath(string folder) => Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));

    /// <summary>The hidden folder beside <paramref name="folder"/> a population is written into before it is moved there.</summary>
    private static string StagingFolder(string folder) => Path.Combine(Path.GetDirectoryName(folder)!, $".{Path.GetFileName(folder)}{UnfinishedSuffix}");

    /// <summary>Moves the whole population from <paramref name="staging"/> into the empty or absent <paramref name="folder"/>.</summary>
    /// <param name="staging">The staging folder.</param>
    /// <param name="folder">The output folder.</param>
    /// <param name="existed">Whether the folder was there (kept, filled entry by entry) or is made by renaming the staging folder.</param>
    private static void MoveInto(string staging, string folder, bool existed)
    {
        if (!existed)
        {
            Directory.Move(staging, folder);
            return;
        }

        foreach (var directory in Directory.EnumerateDirectories(staging))
        {
            Directory.Move(directory, Path.Combine(folder, Path.GetFileName(directory)));
        }

        foreach (var file in Directory.EnumerateFiles(staging))
        {
            File.Move(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        Directory.Delete(staging);
    }

    /// <summary>
    /// The one writer of a staging folder: an OS lock on <c>.NAME.unfinished.lock</c> beside it (.NET takes <c>flock(LOCK_EX)</c>
    /// on Unix and a share-none handle on Windows for <see cref="FileShare.None"/>), which the kernel drops when its process
    /// dies, so a killed generate never keeps the next one out. The file goes when the call ends.
    /// </summary>
    private sealed class StagingLock : IDisposable
    {
        private const string Suffix = ".lock";

        private readonly FileStream _handle;
        private readonly string _path;

        private StagingLock(FileStream handle, string path) => (_handle, _path) = (handle, path);

        /// <exception cref="IOException">Another call holds the lock, or the folder above cannot be written.</exception>
        public static StagingLock Take(string staging, string folder)
        {
            var path = staging + Suffix;
            Directory.CreateDirectory(Path.GetDirectoryName(staging)!);
            try
            {
                return new StagingLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1, FileOptions.None), path);
            }
            catch (IOException e) when (File.Exists(path) && e is not PathTooLongException)
            {
                throw new IOException($"another generate into {folder} is running (it holds {path}): wait for it to finish, or stop it, then run this again.", e);
            }
        }

        public void Dispose()
        {
            // The file sits beside the caller's folder, in a folder that is not ours, so it goes rather than stay as an export
            // folder's lock does. Unlinked while still held on Unix: only a call that opened it in the instant before the unlink
            // and locks it after the release could then run beside one more that makes a new file at that instant. Windows
            // cannot delete a file its own share-none handle holds, so there it goes just after the release.
            if (!OperatingSystem.IsWindows())
            {
                TryDelete();
            }

            _handle.Dispose();
            if (OperatingSystem.IsWindows())
            {
                TryDelete();
            }
        }

        private void TryDelete()
        {
            try
            {
                File.Delete(_path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another call took it in the meantime (Windows), or the folder went: the next call reuses or remakes it.
            }
        }
    }

    private static void DeleteQuietly(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The failure being reported matters more; the next call replaces what is left.
        }
    }

    private static bool SamePopulation(PopulationOptions a, PopulationOptions b) =>
        a.Patients == b.Patients && a.Seed == b.Seed && a.ReferenceDate == b.ReferenceDate && a.HistoryYears == b.HistoryYears
        && a.DeletedRate.Equals(b.DeletedRate) && a.StepLength == b.StepLength && a.StepActivity.Equals(b.StepActivity);
}
