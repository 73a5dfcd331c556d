using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace FhirBulk.Server.Export;

/// <summary>Kick-off parameters as name/value pairs: from the query (GET) or a FHIR Parameters body (POST).</summary>
internal static class KickoffParameters
{
    private const int MaxParametersBytes = 1 << 20;

    public static List<KeyValuePair<string, string>> FromQuery(HttpRequest request)
    {
        var list = new List<KeyValuePair<string, string>>();
        foreach (var (name, values) in request.Query)
        {
            foreach (var value in values)
            {
                list.Add(new(name, value ?? string.Empty));
            }
        }

        return list;
    }

    /// <summary>Reads a POST body: a FHIR Parameters resource whose parameters carry value[x] or valueReference.</summary>
    public static async Task<(List<KeyValuePair<string, string>>? Parameters, string? Error)> FromBodyAsync(HttpContext context)
    {
        var list = FromQuery(context.Request);
        if (context.Request.ContentLength is 0)
        {
            return (list, null);
        }

        var contentType = context.Request.ContentType ?? string.Empty;
        if (!contentType.StartsWith(ServerDefaults.FhirJson, StringComparison.OrdinalIgnoreCase) && !contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return (null, $"A POST kick-off body must be a Parameters resource as {ServerDefaults.FhirJson} (got '{contentType}').");
        }

        JsonDocument document;
        try
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            if (body.Length > MaxParametersBytes)
            {
                return (null, "The Parameters body is larger than 1 MB.");
            }

            if (body.Length == 0)
            {
                return (list, null);
            }

            document = JsonDocument.Parse(body.ToArray());
        }
        catch (JsonException exception)
        {
            return (null, $"The POST body is not valid JSON: {exception.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("resourceType", out var type)
                || type.ValueKind != JsonValueKind.String || type.GetString() != "Parameters")
            {
                return (null, "The POST body must be a FHIR Parameters resource.");
            }

            if (!root.TryGetProperty("parameter", out var parameters))
            {
                return (list, null);
            }

            if (parameters.ValueKind != JsonValueKind.Array)
            {
                return (null, "Parameters.parameter must be an array.");
            }

            foreach (var parameter in parameters.EnumerateArray())
            {
                if (parameter.ValueKind != JsonValueKind.Object)
                {
                    return (null, "Every Parameters.parameter must be an object with a name and a value[x].");
                }

                var name = parameter.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
                if (string.IsNullOrEmpty(name))
                {
                    return (null, "Every Parameters.parameter needs a name.");
                }

                var value = ValueOf(parameter);
                if (value is null)
                {
                    return (null, $"Parameter '{name}' has no supported value[x] (valueString, valueCode, valueInstant, valueBoolean, valueReference, …).");
                }

                list.Add(new(name, value));
            }
        }

        return (list, null);
    }

    private static string? ValueOf(JsonElement parameter)
    {
        foreach (var property in parameter.EnumerateObject())
        {
            if (!property.Name.StartsWith("value", StringComparison.Ordinal))
            {
                continue;
            }

            return property.Value.ValueKind switch
            {
                JsonValueKind.String => property.Value.GetString(),
                JsonValueKind.True => "true",
                JsonValueKind.False => "false",
                JsonValueKind.Number => property.Value.GetRawText(),
                JsonValueKind.Object when property.Name == "valueReference" && property.Value.TryGetProperty("reference", out var reference)
                    && reference.ValueKind == JsonValueKind.String => reference.GetString(),
                _ => null,
            };
        }

        return null;
    }
}
