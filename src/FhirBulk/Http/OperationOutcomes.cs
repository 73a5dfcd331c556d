using System.Text;
using System.Text.Json;

namespace FhirBulk.Http;

/// <summary>Reads OperationOutcome bodies: whether they ask for a retry, and a one-line summary for messages.</summary>
internal static class OperationOutcomes
{
    // Issue codes that describe a passing condition (FHIR R4 IssueType: "transient" and its children).
    private static readonly HashSet<string> TransientCodes = new(StringComparer.Ordinal)
    {
        "transient", "lock-error", "no-store", "exception", "timeout", "incomplete", "throttled",
    };

    public static JsonElement? TryParse(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            return root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("resourceType", out var type)
                && type.ValueEquals("OperationOutcome")
                ? root.Clone()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>True when every issue is of a transient kind, which the Bulk Data IG says means "try again".</summary>
    public static bool IsTransient(JsonElement? outcome)
    {
        if (outcome is not { } root || !root.TryGetProperty("issue", out var issues) || issues.ValueKind != JsonValueKind.Array || issues.GetArrayLength() == 0)
        {
            return false;
        }

        foreach (var issue in issues.EnumerateArray())
        {
            if (!issue.TryGetProperty("code", out var code) || code.ValueKind != JsonValueKind.String || !TransientCodes.Contains(code.GetString()!))
            {
                return false;
            }
        }

        return true;
    }

    public static string Summarize(JsonElement? outcome)
    {
        if (outcome is not { } root || !root.TryGetProperty("issue", out var issues) || issues.ValueKind != JsonValueKind.Array)
        {
            return string.Empty;
        }

        var text = new StringBuilder();
        foreach (var issue in issues.EnumerateArray())
        {
            if (text.Length > 0)
            {
                text.Append("; ");
            }

            text.Append(Get(issue, "severity")).Append(' ').Append(Get(issue, "code"));
            var detail = Get(issue, "diagnostics") ?? (issue.TryGetProperty("details", out var details) ? Get(details, "text") : null);
            if (detail is not null)
            {
                text.Append(": ").Append(detail);
            }
        }

        return text.ToString();
    }

    private static string? Get(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
