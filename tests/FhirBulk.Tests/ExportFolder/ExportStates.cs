using FhirBulk.Export;
using FhirBulk.ExportFolder;

namespace FhirBulk.Tests.ExportFolder;

/// <summary>Export states as an export leaves them in its folder, for readers of export folders to be tested against.</summary>
internal static class ExportStates
{
    /// <summary>
    /// Saves the state of an export in <paramref name="folder"/> listing <paramref name="files"/> in its manifest (output
    /// files of their name's type), or, with no files, one that has not had its manifest yet.
    /// </summary>
    public static ExportState Write(string folder, bool completed, params (string FileName, ExportFileStatus Status)[] files)
    {
        var state = ExportState.Start(new Uri("https://fhir.example/r4/"), new ExportRequest(), new BulkDataClientOptions());
        state.StatusUrl = "https://fhir.example/r4/status/1";
        state.Completed = completed;
        if (files.Length > 0)
        {
            state.Manifest = new ExportManifest
            {
                TransactionTime = "2024-01-31T00:00:00Z",
                Output = [.. files.Select(f => new ManifestFile { Type = f.FileName.Split('.')[0], Url = $"https://fhir.example/r4/files/{f.FileName}" })],
            };
            state.Files = [.. files.Select(f => new ExportFileState { Kind = ExportFileKind.Output, Type = f.FileName.Split('.')[0], FileName = f.FileName, Url = $"https://fhir.example/r4/files/{f.FileName}", Status = f.Status })];
        }

        state.Save(folder);
        return state;
    }
}
