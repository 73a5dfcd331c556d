using System.Text.Json;
using FhirBulk.Server.Data;

namespace FhirBulk.Server.Export;

/// <summary>
/// The manifest's <c>deleted</c> files (asked for by <c>_since</c>): the store's deletion Bundles whose
/// time falls in the export's window, for the exported types and, at Patient or Group level, the patients in scope.
/// </summary>
internal sealed class DeletionExporter(ExportJob job, ResourceStore store, IReadOnlySet<string>? patientScope, int resourcesPerFile, Func<DateTimeOffset?, bool> inTimeRange)
{
    public void Run(CancellationToken cancellationToken)
    {
        using var writer = new OutputFileWriter(job.Directory, "deleted", "Bundle", "Bundle", resourcesPerFile, job.Deleted.Add);
        foreach (var file in store.DeletionFiles)
        {
            using var reader = NdjsonLineReader.Open(file);
            while (reader.TryReadLine(out var line))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (IsExportedDeletion(line))
                {
                    writer.Write(line.Span);
                }
            }
        }
    }

    private bool IsExportedDeletion(ReadOnlyMemory<byte> line)
    {
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        var header = ResourceHeader.Read(line.Span);
        if (header.LastUpdated is null || !inTimeRange(header.LastUpdated)
            || ResourceStore.DeletedKey(root) is not { Type: var type } || !job.Types.Contains(type))
        {
            return false;
        }

        if (job.Request.Level == ExportLevel.System)
        {
            return true;
        }

        string? patient = null;
        if (root.TryGetProperty("extension", out var extensions))
        {
            foreach (var extension in extensions.EnumerateArray())
            {
                if (extension.TryGetProperty("url", out var extensionUrl) && extensionUrl.GetString() == GeneratedData.DeletedPatientExtension
                    && extension.TryGetProperty("valueReference", out var reference) && reference.TryGetProperty("reference", out var value))
                {
                    patient = ResourceHeader.PatientIdOf(value.GetString());
                }
            }
        }

        return patient is not null && (patientScope is null || patientScope.Contains(patient));
    }
}
