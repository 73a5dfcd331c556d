using System.Globalization;

namespace FhirBulk.Export;

/// <summary>How a finished export went, for exit codes.</summary>
public enum ExportOutcome
{
    /// <summary>Every file downloaded and valid; the server reported no errors.</summary>
    Success,

    /// <summary>
    /// Every file downloaded, but not everything came through: the server's error files hold issues of severity <c>error</c> or
    /// <c>fatal</c>, some lines were invalid (<see cref="ErrorPolicy.Skip"/>), or a file's resource count differs from the manifest's <c>count</c>.
    /// </summary>
    PartialSuccess,
}

/// <summary>What a whole export to a folder produced: the summary the CLI prints.</summary>
/// <param name="Directory">The output folder.</param>
/// <param name="StatusUrl">The job's status URL.</param>
/// <param name="TransactionTime">The manifest's transactionTime (the next <c>_since</c>).</param>
/// <param name="Manifest">The complete manifest.</param>
/// <param name="Files">Every file with counts, bytes and SHA-256.</param>
/// <param name="Outcome">Success or partial success.</param>
/// <param name="Duration">
/// Time from kick-off (of the first run, when resumed) to the export's completion. For an export that had completed before
/// this run (<see cref="ExportResult.AlreadyComplete"/>) that is when it first completed, not the time since, except in a
/// folder written by a version of FhirBulk that did not record it: there, to the end of this run.
/// </param>
/// <param name="JobDeleted">Whether the job was deleted on the server afterwards.</param>
public sealed record ExportResult(
    string Directory,
    Uri StatusUrl,
    DateTimeOffset? TransactionTime,
    ExportManifest Manifest,
    IReadOnlyList<ExportFileState> Files,
    ExportOutcome Outcome,
    TimeSpan Duration,
    bool JobDeleted)
{
    /// <summary>Files that a resume found missing or changed on disk and fetched again; empty for a first run.</summary>
    public IReadOnlyList<ExportFolder.FileProblem> Repaired { get; init; } = [];

    /// <summary>Time this run took; less than <see cref="Duration"/> when it resumed an export started earlier.</summary>
    public TimeSpan RunDuration { get; init; }

    /// <summary>
    /// Whether the export had completed before this run (a resume of a complete export only checks its files and fetches
    /// again any that are missing or changed): then <see cref="Duration"/> is not this run's doing.
    /// </summary>
    public bool AlreadyComplete { get; init; }

    /// <summary>OperationOutcome issues in the manifest's error files, per severity (<c>fatal</c>, <c>error</c>, <c>warning</c>, <c>information</c>).</summary>
    public IReadOnlyDictionary<string, long> ServerIssues => Files.Where(f => f.Issues is not null).SelectMany(f => f.Issues!)
        .GroupBy(p => p.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(p => p.Value), StringComparer.Ordinal);

    /// <summary>Resources in output files.</summary>
    public long TotalResources => Files.Where(f => f.Kind == ExportFileKind.Output).Sum(f => f.Resources);

    /// <summary>Bytes of all files.</summary>
    public long TotalBytes => Files.Sum(f => f.Bytes);

    /// <summary>Output files whose manifest <c>count</c> differed from what they held.</summary>
    public IEnumerable<ExportFileState> CountMismatches => Files.Where(f => f.CountMismatch);

    /// <summary>
    /// What made the export <see cref="ExportOutcome.PartialSuccess"/>, in words, naming what failed: the error issues the
    /// server reported and the error files that hold them, the resource types whose lines were invalid (with how many each,
    /// when there are several), and the files holding another count than the manifest's (with both counts). Each list names
    /// its first three and counts the rest, so the text stays one line however much failed.
    /// </summary>
    /// <returns>
    /// E.g. <c>the server reported 2 error issues (read error/OperationOutcome.000.ndjson); 3 invalid lines skipped in
    /// Condition (listed in log.ndjson); 1 file holding another count than the manifest's (Observation.001.ndjson: 9
    /// instead of 10)</c>; <see langword="null"/> for a <see cref="ExportOutcome.Success"/>.
    /// </returns>
    public string? DescribePartial()
    {
        const int Named = 3;
        var reasons = new List<string>();
        var failing = Files.Where(f => f.Kind == ExportFileKind.Error && ErrorFileIssues.AnyFailure(f.Issues)).ToList();
        if (failing.Count > 0)
        {
            reasons.Add($"the server reported {Counted.Of(failing.Sum(f => ErrorFileIssues.FailureCount(f.Issues)), "error issue")} (read {Counted.FirstOf([.. failing.Select(f => f.FileName)], Named)})");
        }

        // Output files by their resource type; a deleted/ or error/ file, whose type says nothing of what failed, by its name.
        var invalid = Files.Where(f => f.InvalidLines > 0)
            .GroupBy(f => f.Kind == ExportFileKind.Output ? f.Type : f.FileName, StringComparer.Ordinal)
            .Select(g => (Name: g.Key, Lines: g.Sum(f => f.InvalidLines)))
            .ToList();
        if (invalid.Count > 0)
        {
            var where = invalid.Count == 1 ? invalid[0].Name : Counted.FirstOf([.. invalid.Select(i => string.Create(CultureInfo.InvariantCulture, $"{i.Name} ({i.Lines:N0})"))], Named);
            reasons.Add($"{Counted.Of(invalid.Sum(i => i.Lines), "invalid line")} skipped in {where} (listed in log.ndjson)");
        }

        var mismatches = CountMismatches.ToList();
        if (mismatches.Count > 0)
        {
            var files = Counted.FirstOf([.. mismatches.Select(f => string.Create(CultureInfo.InvariantCulture, $"{f.FileName}: {f.Resources:N0} instead of {f.DeclaredCount:N0}"))], Named);
            reasons.Add($"{Counted.Of(mismatches.Count, "file")} holding another count than the manifest's ({files})");
        }

        return reasons.Count == 0 ? null : string.Join("; ", reasons);
    }

    /// <summary>Resources per type in output files.</summary>
    public IReadOnlyDictionary<string, long> ResourcesByType => Files.Where(f => f.Kind == ExportFileKind.Output)
        .GroupBy(f => f.Type, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Sum(f => f.Resources), StringComparer.Ordinal);
}

/// <summary>The phase an export to a folder is in.</summary>
public enum ExportPhase
{
    /// <summary>Kicked off; the status URL is known.</summary>
    KickedOff,

    /// <summary>Waiting for the server (see <see cref="ExportProgress.Status"/>).</summary>
    Polling,

    /// <summary>Downloading files (see <see cref="ExportProgress.File"/>; reported once without a file as downloading starts).</summary>
    Downloading,

    /// <summary>Done.</summary>
    Complete,
}

/// <summary>Progress of a whole export, for a status line and per-file bars.</summary>
/// <param name="Phase">The phase.</param>
/// <param name="Status">The last status answer while polling.</param>
/// <param name="File">The file that moved, while downloading; null in the report that starts the downloads.</param>
/// <param name="FilesDone">Files complete so far.</param>
/// <param name="FilesTotal">Files in the manifest (0 before it is known).</param>
public sealed record ExportProgress(ExportPhase Phase, ExportStatus? Status, DownloadProgress? File, int FilesDone, int FilesTotal);
