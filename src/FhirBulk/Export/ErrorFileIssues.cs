using System.Text.Json;
using FhirBulk.Ndjson;

namespace FhirBulk.Export;

/// <summary>
/// Counts the issues of a manifest's <c>error</c> file by severity. The Bulk Data IG (Export, "Response - Complete Status")
/// says that array carries "error, warning, and information messages": only <c>fatal</c> and <c>error</c> issues mean
/// that something did not come through, so only they make an export partial.
/// </summary>
public static class ErrorFileIssues
{
    /// <summary>The FHIR <c>IssueSeverity</c> code of an issue that stopped processing (R4 ValueSet issue-severity).</summary>
    public const string Fatal = "fatal";

    /// <summary>The FHIR <c>IssueSeverity</c> code of an issue that means the data is not all there.</summary>
    public const string Error = "error";

    /// <summary>The FHIR <c>IssueSeverity</c> code of an issue that is only a warning.</summary>
    public const string Warning = "warning";

    /// <summary>The FHIR <c>IssueSeverity</c> code of an issue that is only information.</summary>
    public const string Information = "information";

    /// <summary>Issues per severity; an issue with no known severity, and a line that is not an OperationOutcome, count as <c>error</c>.</summary>
    internal static async Task<Dictionary<string, long>> CountAsync(NdjsonSource source, CancellationToken cancellationToken)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        await foreach (var line in source.ReadAsync(cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            using var outcome = JsonDocument.Parse(line.Json);
            if (line.ResourceType != "OperationOutcome"
                || !outcome.RootElement.TryGetProperty("issue", out var issues) || issues.ValueKind != JsonValueKind.Array || issues.GetArrayLength() == 0)
            {
                Add(counts, Error);
                continue;
            }

            foreach (var issue in issues.EnumerateArray())
            {
                var severity = issue.ValueKind == JsonValueKind.Object && issue.TryGetProperty("severity", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
                Add(counts, severity is Fatal or Error or Warning or Information ? severity : Error);
            }
        }

        // What the source could not read as a resource at all is an error too: nothing says it was only a warning.
        if (source.MalformedLines.Count > 0)
        {
            counts[Error] = counts.GetValueOrDefault(Error) + source.MalformedLines.Count;
        }

        return counts;
    }

    /// <summary>The issues among <paramref name="counts"/> (issues per severity, as <see cref="ExportFileState.Issues"/> holds
    /// them) that mean data is missing: the <c>fatal</c> and <c>error</c> ones.</summary>
    /// <param name="counts">Issues per severity code; <see langword="null"/> for none.</param>
    /// <returns>The number of such issues, 0 when there are none.</returns>
    public static long FailureCount(IReadOnlyDictionary<string, long>? counts) =>
        counts is null ? 0 : counts.GetValueOrDefault(Fatal) + counts.GetValueOrDefault(Error);

    /// <summary>Whether <paramref name="counts"/> hold an issue that means data is missing (see <see cref="FailureCount"/>).</summary>
    /// <param name="counts">Issues per severity code; <see langword="null"/> for none.</param>
    /// <returns><see langword="true"/> when there is a <c>fatal</c> or <c>error</c> issue.</returns>
    public static bool AnyFailure(IReadOnlyDictionary<string, long>? counts) => FailureCount(counts) > 0;

    private static void Add(Dictionary<string, long> counts, string severity) => counts[severity] = counts.GetValueOrDefault(severity) + 1;
}
