using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace FhirBulk.Tests.Ndjson;

/// <summary>
/// The yardstick for the line contract, written the plain way with <see cref="JsonDocument"/>: a resource is valid
/// UTF-8, one JSON object, with one non-empty string resourceType and at most one id, a string.
/// </summary>
internal static class ResourceLineOracle
{
    public sealed record Resource(byte[] Type, byte[]? Id);

    public static Resource? Key(byte[] line)
    {
        if (!Utf8.IsValid(line))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var types = root.EnumerateObject().Where(p => p.NameEquals("resourceType")).Select(p => p.Value).ToList();
            var ids = root.EnumerateObject().Where(p => p.NameEquals("id")).Select(p => p.Value).ToList();
            if (types is not [{ ValueKind: JsonValueKind.String } type] || ids.Count > 1 || ids is [{ ValueKind: not JsonValueKind.String }])
            {
                return null;
            }

            var typeName = type.GetString()!;
            return typeName.Length == 0 ? null : new Resource(Encoding.UTF8.GetBytes(typeName), ids is [var id] ? Encoding.UTF8.GetBytes(id.GetString()!) : null);
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: GetString of an escaped unpaired surrogate.
            return null;
        }
    }
}
