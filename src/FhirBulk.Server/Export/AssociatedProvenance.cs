using System.Text.Json;
using FhirBulk.Server.Data;

namespace FhirBulk.Server.Export;

/// <summary>
/// <c>includeAssociatedData=LatestProvenanceResources|RelevantProvenanceResources</c>: adds the store's
/// Provenance resources whose <c>target</c> is a patient in the export's scope (every patient at system
/// level). Provenance carries no subject, so its targets decide which patient it belongs to; when the store holds no Provenance
/// the manifest says so rather than staying silent.
/// </summary>
internal sealed class AssociatedProvenance(ExportJob job, ResourceStore store, IReadOnlySet<string>? patientScope, int resourcesPerFile, ExportRunner runner)
{
    public void Run(Func<DateTimeOffset?, bool> inTimeRange, CancellationToken cancellationToken)
    {
        if (job.Types.Contains("Provenance"))
        {
            return;
        }

        if (!store.HasType("Provenance"))
        {
            runner.Problem("information", "informational",
                $"includeAssociatedData={string.Join(',', job.Request.IncludeAssociatedData)}: this server holds no Provenance resources, so none were added.");
            return;
        }

        Write(inTimeRange, cancellationToken);
    }

    /// <summary>Writes the Provenance in scope; also how a Patient or Group export answers <c>_type=Provenance</c>.</summary>
    public void Write(Func<DateTimeOffset?, bool> inTimeRange, CancellationToken cancellationToken)
    {
        using var writer = new OutputFileWriter(job.Directory, string.Empty, "Provenance", "Provenance", resourcesPerFile, runner.OnOutputClosed);
        foreach (var file in store.FilesOf("Provenance"))
        {
            using var reader = NdjsonLineReader.Open(file);
            while (reader.TryReadLine(out var line))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (IsAssociated(line, inTimeRange))
                {
                    writer.Write(line.Span);
                }
            }
        }
    }

    private bool IsAssociated(ReadOnlyMemory<byte> line, Func<DateTimeOffset?, bool> inTimeRange)
    {
        try
        {
            if (!inTimeRange(ResourceHeader.Read(line.Span, HeaderFields.Type | HeaderFields.LastUpdated).LastUpdated))
            {
                return false;
            }

            if (job.Request.Level == ExportLevel.System)
            {
                return true;
            }

            using var document = JsonDocument.Parse(line);
            if (!document.RootElement.TryGetProperty("target", out var targets) || targets.ValueKind != JsonValueKind.Array)
            {
                return false;
            }

            foreach (var target in targets.EnumerateArray())
            {
                if (target.ValueKind == JsonValueKind.Object && target.TryGetProperty("reference", out var reference)
                    && reference.ValueKind == JsonValueKind.String && ResourceHeader.PatientIdOf(reference.GetString()) is { } patient
                    && (patientScope is null || patientScope.Contains(patient)))
                {
                    return true;
                }
            }

            return false;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
