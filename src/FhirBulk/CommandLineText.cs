namespace FhirBulk;

/// <summary>
/// The commands FhirBulk's messages give (how to resume an export, say), written so that they run as printed when pasted
/// into a POSIX shell.
/// </summary>
public static class CommandLineText
{
    /// <summary>
    /// <paramref name="word"/> as one shell word: unchanged when it holds only characters no shell treats specially, else in
    /// single quotes (a quote inside written <c>'\''</c>).
    /// </summary>
    /// <param name="word">A path, URL or value.</param>
    /// <returns>The word, quoted when it needs to be.</returns>
    public static string Quote(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        return word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "/._-+=:,@%".Contains(c, StringComparison.Ordinal))
            ? word
            : $"'{word.Replace("'", "'\\''", StringComparison.Ordinal)}'";
    }

    /// <summary>The command that resumes the export at <paramref name="location"/>: <c>fhir-bulk export --resume LOCATION</c>.</summary>
    /// <param name="location">The export folder or object-store URL.</param>
    /// <param name="s3Endpoint">The S3-compatible server the location is on, which the export does not record; <see langword="null"/> for none.</param>
    /// <returns>The command, each word quoted as <see cref="Quote"/> does.</returns>
    public static string ResumeExport(string location, Uri? s3Endpoint = null) =>
        $"fhir-bulk export --resume {Quote(location)}{S3EndpointOption(s3Endpoint)}";

    /// <summary>The command that cancels the export at <paramref name="location"/>: <c>fhir-bulk export --cancel LOCATION</c>.</summary>
    /// <param name="location">The export folder or object-store URL.</param>
    /// <param name="s3Endpoint">The S3-compatible server the location is on; <see langword="null"/> for none.</param>
    /// <returns>The command, each word quoted as <see cref="Quote"/> does.</returns>
    public static string CancelExport(string location, Uri? s3Endpoint = null) =>
        $"fhir-bulk export --cancel {Quote(location)}{S3EndpointOption(s3Endpoint)}";

    /// <summary><c> --s3-endpoint URL</c> for an S3-compatible server, "" for none.</summary>
    internal static string S3EndpointOption(Uri? s3Endpoint) => s3Endpoint is null ? "" : $" --s3-endpoint {Quote(s3Endpoint.ToString())}";
}
