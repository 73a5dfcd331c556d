using System.Text.Json;
using System.Text.Json.Serialization;

namespace FhirBulk.Export;

/// <summary>
/// How two export requests differ, setting by setting, for messages that refuse a request unlike an earlier one: a sync's
/// increments must all be exported alike, and <c>--since auto</c> follows only an export of the same request.
/// </summary>
internal static class ExportRequestDifferences
{
    /// <summary>The request as JSON without <c>_since</c>: two requests export alike (a sync's increments, an export and the one --since auto follows) when these are equal.</summary>
    public static string Describe(ExportRequest request) =>
        JsonSerializer.Serialize(request with { Since = null }, ExportRequestJsonContext.Default.ExportRequest);

    /// <summary>
    /// The request's settings that differ, each as <c>name: the folder's value here, the new one now</c> (JSON names
    /// and values, as <see cref="Describe"/> writes them); empty when the two export alike.
    /// </summary>
    public static IReadOnlyList<string> Of(ExportRequest synced, ExportRequest requested)
    {
        using var before = JsonDocument.Parse(Describe(synced));
        using var after = JsonDocument.Parse(Describe(requested));
        var names = before.RootElement.EnumerateObject().Select(p => p.Name)
            .Union(after.RootElement.EnumerateObject().Select(p => p.Name), StringComparer.Ordinal);
        return [.. names
            .Select(name => (Name: name, Before: Text(before.RootElement, name), After: Text(after.RootElement, name)))
            .Where(d => d.Before != d.After)
            .Select(d => $"{d.Name}: {d.Before} here, {d.After} now")];

        // An empty list of types, elements or patients asks for all of them (Bulk Data IG: no _type exports every type).
        static string Text(JsonElement root, string name) =>
            !root.TryGetProperty(name, out var value) ? "none"
            : value.ValueKind == JsonValueKind.Array && value.GetArrayLength() == 0 ? (name is "types" or "elements" or "patients" ? "all" : "none")
            : value.GetRawText();
    }
}

/// <summary>A request on one line, as messages name it.</summary>
[JsonSourceGenerationOptions(UseStringEnumConverter = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault)]
[JsonSerializable(typeof(ExportRequest))]
internal sealed partial class ExportRequestJsonContext : JsonSerializerContext;
