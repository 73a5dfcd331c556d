using FhirBulk.Auth;
using FhirBulk.ExportFolder;

namespace FhirBulk.Export;

/// <summary>
/// What an export folder recorded about the export it holds: the server, the request, how the export connected and how it
/// downloaded and stored files. Enough to carry the export on from the folder alone, except secrets: a key file is recorded
/// by its path, a key given as text not at all (<see cref="SigningKeyFromText"/>).
/// </summary>
/// <remarks>
/// Read it with <see cref="BulkDataClient.ReadExportSettings"/>, build a client for <see cref="Server"/> with these
/// credentials and options (or your own, which take precedence), then call <see cref="BulkDataClient.ResumeExportAsync(string, IProgress{ExportProgress}?, CancellationToken)"/>.
/// A resume always stores and checks files as the export started (<see cref="CompressOutput"/>, <see cref="MalformedLines"/>),
/// whatever the resuming client's options say. Members other than <see cref="Server"/> and <see cref="Request"/> are
/// <see langword="null"/> for a folder written by a version of FhirBulk that did not record them.
/// </remarks>
public sealed class ExportFolderSettings
{
    internal ExportFolderSettings(ExportState state)
    {
        Server = new Uri(state.Server);
        Request = state.Request;
        ClientId = state.ClientId;
        SigningKeyPath = state.KeyFile;
        SigningKeyId = state.KeyId;
        Scope = state.Scope;
        CaBundlePath = state.CaBundle;
        MaxParallelDownloads = state.MaxParallelDownloads;
        TransferCompression = state.TransferCompression;
        DeleteJobAfterDownload = state.DeleteJobAfterDownload;
        CompressOutput = state.CompressOutput;
        MalformedLines = state.MalformedLines;
        KickedOff = (state.StatusUrl is not null || state.ReExports > 0) && !state.Completed && !state.Cancelled;
    }

    /// <summary>
    /// Whether the folder holds an export that the server accepted (it has a status URL) and that is neither complete nor
    /// cancelled: only then is there anything to resume. An export whose kick-off was refused or never got an answer (the
    /// server unreachable) leaves no state (a previous export in the folder stays in place), and one a killed run left
    /// before any answer is started afresh by the next export command.
    /// </summary>
    public bool KickedOff { get; }

    /// <summary>The FHIR base URL the export belongs to; a resume with a client of another server is refused.</summary>
    public Uri Server { get; }

    /// <summary>What was exported: the level, the group and every kick-off parameter.</summary>
    public ExportRequest Request { get; }

    /// <summary>The SMART Backend Services client id, or <see langword="null"/> when the export used no credentials.</summary>
    public string? ClientId { get; }

    /// <summary>The absolute path of the signing key's file (<see cref="ClientSigningKey.SourcePath"/>), or <see langword="null"/>.</summary>
    public string? SigningKeyPath { get; }

    /// <summary>The signing key's <c>kid</c> (<see cref="ClientSigningKey.KeyId"/>), or <see langword="null"/>.</summary>
    public string? SigningKeyId { get; }

    /// <summary>
    /// <see langword="true"/> when the export authenticated with a key given as text (<see cref="ClientSigningKey.FromText"/>, from a
    /// secret, say): it is never written anywhere, so a resume must be given it again.
    /// </summary>
    public bool SigningKeyFromText => ClientId is not null && SigningKeyPath is null;

    /// <summary>The scopes requested (<see cref="BulkDataCredentials.Scope"/>), or <see langword="null"/>.</summary>
    public string? Scope { get; }

    /// <summary>The absolute path of the extra CA certificates (<see cref="BulkDataClientOptions.CaBundlePath"/>), or <see langword="null"/>.</summary>
    public string? CaBundlePath { get; }

    /// <summary><see cref="BulkDataClientOptions.MaxParallelDownloads"/> of the last run.</summary>
    public int? MaxParallelDownloads { get; }

    /// <summary><see cref="BulkDataClientOptions.TransferCompression"/> of the last run.</summary>
    public TransferCompression? TransferCompression { get; }

    /// <summary><see cref="BulkDataClientOptions.DeleteJobAfterDownload"/> of the last run.</summary>
    public bool? DeleteJobAfterDownload { get; }

    /// <summary><see cref="BulkDataClientOptions.CompressOutput"/> the export started with; a resume keeps it.</summary>
    public bool? CompressOutput { get; }

    /// <summary><see cref="BulkDataClientOptions.MalformedLines"/> the export started with; a resume keeps it.</summary>
    public ErrorPolicy? MalformedLines { get; }
}
