using FhirBulk.Http;

namespace FhirBulk.Export;

/// <summary>How an export ended, in the four kinds a command's exit code tells apart (plus cancellation).</summary>
public enum ExportCompletion
{
    /// <summary>Every file on disk and valid; the server reported no errors.</summary>
    Success,

    /// <summary>Every file on disk, but the manifest listed error files or some lines were invalid.</summary>
    PartialSuccess,

    /// <summary>The credentials or the token were refused (<see cref="AuthenticationException"/>).</summary>
    AuthenticationFailed,

    /// <summary>The server failed the export, was unreachable, or files could not be fetched (<see cref="FhirBulkException"/>).</summary>
    ServerFailed,

    /// <summary>The caller cancelled; the output folder can be resumed.</summary>
    Cancelled,
}

/// <summary>Classifies the outcome of <see cref="BulkDataClient.ExportToDirectoryAsync"/> or <see cref="BulkDataClient.ResumeExportAsync(string, IProgress{ExportProgress}?, CancellationToken)"/>.</summary>
public static class ExportCompletions
{
    /// <summary>The kind of a finished export.</summary>
    /// <param name="result">The export's result.</param>
    /// <returns><see cref="ExportCompletion.Success"/> or <see cref="ExportCompletion.PartialSuccess"/>.</returns>
    public static ExportCompletion From(ExportResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.Outcome == ExportOutcome.Success ? ExportCompletion.Success : ExportCompletion.PartialSuccess;
    }

    /// <summary>The kind of a failed export.</summary>
    /// <param name="exception">What the export threw.</param>
    /// <returns>The kind; <see langword="null"/> when the exception is not one an export reports (a bug or a local I/O problem).</returns>
    public static ExportCompletion? From(Exception exception) => exception switch
    {
        AuthenticationException => ExportCompletion.AuthenticationFailed,
        FhirBulkException => ExportCompletion.ServerFailed,
        OperationCanceledException => ExportCompletion.Cancelled,
        _ => null,
    };
}
