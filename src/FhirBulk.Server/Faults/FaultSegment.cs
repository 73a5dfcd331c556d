using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.IdentityModel.Tokens;

namespace FhirBulk.Server.Faults;

/// <summary>
/// The optional first path segment carrying fault options as base64url JSON, as the public SMART
/// bulk-data server does (<c>http://host/&lt;b64json&gt;/fhir</c>). Options in the segment replace the server's.
/// </summary>
internal static class FaultSegment
{
    /// <summary>Encodes options into a segment (for tests and tools building URLs).</summary>
    public static string Encode(FaultOptions faults) => Base64UrlEncoder.Encode(JsonSerializer.SerializeToUtf8Bytes(faults, FaultJson.Default.FaultOptions));

    /// <summary>Reads the fault options a path segment carries.</summary>
    /// <returns>
    /// <see langword="true"/> with the options; <see langword="false"/> with <paramref name="error"/> saying what is wrong
    /// with them, or with <paramref name="error"/> <see langword="null"/> when the segment is no base64url JSON object at
    /// all (a mistyped base path such as <c>/fhirr</c>), which the caller answers as a path it does not serve.
    /// </returns>
    public static bool TryDecode(string segment, out FaultOptions faults, out string? error)
    {
        faults = null!;
        error = null;
        JsonObject? node;
        try
        {
            node = JsonNode.Parse(Base64UrlEncoder.DecodeBytes(segment)) as JsonObject;
        }
        catch (Exception exception) when (exception is FormatException or JsonException or ArgumentException)
        {
            node = null;
        }

        if (node is null)
        {
            return false;
        }

        try
        {
            TranslateSmartFields(node);
            faults = node.Deserialize(FaultJson.Default.FaultOptions) ?? throw new JsonException("null");
            var valid = faults.TryValidate(out var invalid);
            error = valid ? null : invalid;
            return valid;
        }
        catch (Exception exception) when (exception is FormatException or JsonException or ArgumentException)
        {
            error = $"URL segment '{Truncate(segment)}' is not valid fault options: {exception.Message}";
            return false;
        }
    }

    /// <summary>
    /// Accepts segments made for the public SMART server unchanged: <c>dur</c> (seconds an export takes) and
    /// <c>tlt</c> (token lifetime in minutes) map onto ours; <c>page</c> is shared; its other settings
    /// (<c>err</c>, <c>m</c>, <c>stu</c>, <c>del</c>, <c>secure</c>, <c>opp</c>, <c>fhirVersion</c>) are ignored.
    /// </summary>
    private static void TranslateSmartFields(JsonObject node)
    {
        if (node.TryGetPropertyValue("dur", out var duration))
        {
            node.Remove("dur");
            node.TryAdd("exportSeconds", duration?.DeepClone());
        }

        if (node.TryGetPropertyValue("tlt", out var minutes))
        {
            node.Remove("tlt");
            if (minutes is JsonValue value && value.TryGetValue<double>(out var m) && m > 0)
            {
                node.TryAdd("tokenLifetime", (int)Math.Max(1, m * 60));
            }
        }

        foreach (var ignored in new[] { "err", "m", "stu", "del", "secure", "opp", "fhirVersion" })
        {
            node.Remove(ignored);
        }
    }

    private static string Truncate(string value) => value.Length <= 40 ? value : value[..40] + "…";
}

/// <summary>
/// Source-generated metadata of <see cref="FaultOptions"/> (Native AOT has no reflection-based serialization); a member
/// a segment names that the options do not have is refused, not ignored, so a mistyped fault does not pass unnoticed.
/// </summary>
[JsonSourceGenerationOptions(UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(FaultOptions))]
internal sealed partial class FaultJson : JsonSerializerContext;
