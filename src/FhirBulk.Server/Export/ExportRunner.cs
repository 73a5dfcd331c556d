using System.Text.Json;
using FhirBulk.Server.Data;
using FhirBulk.Server.Faults;
using FhirBulk.Server.Fhir;

namespace FhirBulk.Server.Export;

/// <summary>
/// Runs an export: streams every requested type's NDJSON from the store, keeps the resources that pass
/// the level, <c>_since</c>/<c>_until</c>, patient and <c>_typeFilter</c> checks, and writes them into
/// split output files. Unfiltered resources are copied as raw bytes; a JSON DOM is built only to
/// evaluate a <c>_typeFilter</c>.
/// </summary>
internal sealed class ExportRunner(ExportJob job, ExportScope scope, int resourcesPerFile, Func<FaultOptions, double, string, string, long, bool> injectFault)
{
    private readonly List<(string Severity, string Code, string Message)> _problems = [];

    public void Run()
    {
        var cancellationToken = job.Cancellation.Token;
        foreach (var warning in job.Request.Warnings)
        {
            _problems.Add(("warning", "not-supported", warning));
        }

        if (job.Request.OrganizeOutputBy is not null)
        {
            new PatientOrganizedWriter(job, scope.Store, resourcesPerFile, this).Run(cancellationToken);
        }
        else
        {
            for (var i = 0; i < job.Types.Count; i++)
            {
                if (job.Types[i] == "Provenance" && job.Request.Level != ExportLevel.System)
                {
                    // Provenance names its patient through target, not subject.
                    new AssociatedProvenance(job, scope.Store, scope.Patients, resourcesPerFile, this).Write(InTimeRange, cancellationToken);
                }
                else
                {
                    ExportType(job.Types[i], cancellationToken);
                }

                job.Progress = (i + 1.0) / (job.Types.Count + 1);
            }
        }

        if (job.Request.IncludeAssociatedData.Count > 0)
        {
            new AssociatedProvenance(job, scope.Store, scope.Patients, resourcesPerFile, this).Run(InTimeRange, cancellationToken);
        }

        if (job.Request.Since is not null)
        {
            new DeletionExporter(job, scope.Store, scope.Patients, resourcesPerFile, InTimeRange).Run(cancellationToken);
        }

        WriteProblems();
        WriteInjectedOutcomes();
        job.Progress = 1;
    }

    private void ExportType(string type, CancellationToken cancellationToken)
    {
        using var writer = new OutputFileWriter(job.Directory, string.Empty, type, type, resourcesPerFile, OnOutputClosed);
        var projection = ProjectionFor(type);
        foreach (var line in Select(type, cancellationToken))
        {
            writer.Write(projection is null ? line.Span : projection.Project(line.Span));
        }
    }

    public ElementsProjection? ProjectionFor(string type)
    {
        if (job.Request.Elements is not { } elements)
        {
            return null;
        }

        var keep = new HashSet<string>(StringComparer.Ordinal);
        if (elements.TryGetValue("*", out var all))
        {
            keep.UnionWith(all);
        }

        if (elements.TryGetValue(type, out var own))
        {
            keep.UnionWith(own);
        }

        // Type-qualified elements for other types only: this type is returned whole.
        return keep.Count == 0 ? null : new ElementsProjection(keep);
    }

    /// <summary>The lines of <paramref name="type"/> this export includes; each line's memory is valid until the next.</summary>
    public IEnumerable<ReadOnlyMemory<byte>> Select(string type, CancellationToken cancellationToken)
    {
        job.Request.TypeFilters.TryGetValue(type, out var filters);
        var compartment = job.Request.Level != ExportLevel.System && ResourceTypes.InPatientCompartment(type);
        var needed = HeaderFields.Type
            | (job.Request.Since is not null || job.Request.Until is not null ? HeaderFields.LastUpdated : HeaderFields.None)
            | (compartment ? HeaderFields.Patient : HeaderFields.None)
            | (scope.Store.HasReplacements ? HeaderFields.Id : HeaderFields.None);
        foreach (var file in scope.Store.FilesOf(type))
        {
            if (OlderThanSince(file))
            {
                continue;
            }

            using var reader = NdjsonLineReader.Open(file);
            while (reader.TryReadLine(out var line))
            {
                cancellationToken.ThrowIfCancellationRequested();
                ResourceHeader header;
                try
                {
                    header = ResourceHeader.Read(line.Span, needed);
                }
                catch (Exception exception) when (exception is JsonException or InvalidOperationException)
                {
                    // InvalidOperationException: a field of the wrong JSON kind, e.g. a numeric id.
                    Problem("error", "structure", $"{Path.GetFileName(file)} line {reader.LineNumber}: not a readable resource ({exception.Message}); skipped.");
                    continue;
                }

                if (header.ResourceType != type)
                {
                    Problem("error", "structure", $"{Path.GetFileName(file)} line {reader.LineNumber}: resourceType '{header.ResourceType}' in a {type} file; skipped.");
                    continue;
                }

                if (!scope.Store.IsCurrent(type, header.Id, file)
                    || !(InTimeRange(header.LastUpdated) || (compartment && JoinedSince(header.PatientId) && BeforeUntil(header.LastUpdated)))
                    || (compartment && (header.PatientId is null || (scope.Patients is not null && !scope.Patients.Contains(header.PatientId)))))
                {
                    continue;
                }

                if (filters is not null && !MatchesAny(filters, line, file, reader.LineNumber))
                {
                    continue;
                }

                yield return line;
            }
        }
    }

    /// <summary>
    /// A file none of whose lines can have changed after <c>_since</c> (its segment's window ended by then), unless the export
    /// must also return older records of patients who joined the Group since: an increment then reads only the steps after it.
    /// </summary>
    private bool OlderThanSince(string file) =>
        job.Request.Since is { } since && scope.JoinedSince is not { Count: > 0 } && scope.Store.UpdatedNoLaterThan(file) is { } newest && newest <= since;

    private bool MatchesAny(IReadOnlyList<TypeFilter> filters, ReadOnlyMemory<byte> line, string file, long lineNumber)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            return filters.Any(f => f.Matches(root));
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException)
        {
            Problem("error", "structure", $"{Path.GetFileName(file)} line {lineNumber}: cannot be searched ({exception.Message}); skipped.");
            return false;
        }
    }

    /// <summary>A resource without meta.lastUpdated is always included: the server cannot prove it unchanged.</summary>
    private bool InTimeRange(DateTimeOffset? lastUpdated) =>
        lastUpdated is not { } updated
        || ((job.Request.Since is not { } since || updated > since) && (job.Request.Until is not { } until || updated <= until));

    private bool BeforeUntil(DateTimeOffset? lastUpdated) =>
        lastUpdated is not { } updated || job.Request.Until is not { } until || updated <= until;

    private bool JoinedSince(string? patient) => patient is not null && scope.JoinedSince is { } joined && joined.Contains(patient);

    /// <summary>An output file is done: keep it, or fail it into the error list when the failed-file fault hits.</summary>
    public void OnOutputClosed(OutputFile file)
    {
        if (injectFault(job.Faults, job.Faults.FailedFileRate, "failedFile", file.RelativePath, job.Ordinal))
        {
            File.Delete(Path.Combine(job.Directory, file.RelativePath));
            Problem("error", "transient", $"Export of {file.Type ?? "organized"} file {file.RelativePath} failed ({file.Count} resources not exported; injected fault). Retry the export.");
            return;
        }

        lock (job.Output)
        {
            job.Output.Add(file);
        }
    }

    public void Problem(string severity, string code, string message)
    {
        lock (_problems)
        {
            _problems.Add((severity, code, message));
        }
    }

    /// <summary>
    /// The informationFile and warningFile faults: one more error-list file each, of outcomes whose issues all share a
    /// non-error severity, next to the real problems' file. Decided once per job (keyed on its ordinal, not on a poll)
    /// and written with the job, so every poll and page-1 manifest lists the same files; the output is untouched.
    /// </summary>
    private void WriteInjectedOutcomes()
    {
        if (injectFault(job.Faults, job.Faults.InformationFileRate, "informationFile", "job", job.Ordinal))
        {
            WriteOutcomeFile("information", "informational",
            [
                ["Export used lenient handling for an unsupported parameter: '_sort' was ignored and resources are in storage order (injected fault)."],
                [
                    "Resources were read from a replica as of transactionTime; changes after it belong to the next _since export (injected fault).",
                    "No resources were withheld from this export by consent or security labels (injected fault).",
                ],
            ]);
        }

        if (injectFault(job.Faults, job.Faults.WarningFileRate, "warningFile", "job", job.Ordinal))
        {
            WriteOutcomeFile("warning", "processing",
            [
                ["Some Observation resources were exported without their referenced Encounter (injected fault)."],
                [
                    "Some resources reference a Practitioner outside the export's scope; it was not exported (injected fault).",
                    "Some MedicationRequest resources reference a Medication that no longer exists (injected fault).",
                ],
            ]);
        }
    }

    /// <summary>Writes one error-list file, <c>error/OperationOutcome-&lt;severity&gt;.000.ndjson</c>: one outcome per line, never split.</summary>
    private void WriteOutcomeFile(string severity, string code, IReadOnlyList<string[]> outcomes)
    {
        using var writer = new OutputFileWriter(job.Directory, "error", $"OperationOutcome-{severity}", "OperationOutcome", int.MaxValue, job.Errors.Add);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        foreach (var issues in outcomes)
        {
            buffer.ResetWrittenCount();
            using (var json = new Utf8JsonWriter(buffer))
            {
                FhirResponses.WriteOutcome(json, severity, code, issues);
            }

            writer.Write(buffer.WrittenSpan);
        }
    }

    private void WriteProblems()
    {
        if (_problems.Count == 0)
        {
            return;
        }

        using var writer = new OutputFileWriter(job.Directory, "error", "OperationOutcome", "OperationOutcome", resourcesPerFile, job.Errors.Add);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        foreach (var (severity, code, message) in _problems)
        {
            buffer.ResetWrittenCount();
            using (var json = new Utf8JsonWriter(buffer))
            {
                FhirResponses.WriteOutcome(json, severity, code, message);
            }

            writer.Write(buffer.WrittenSpan);
        }
    }
}
