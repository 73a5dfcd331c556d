using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace FhirBulk.Server.Fhir;

/// <summary>Writes FHIR JSON bodies (OperationOutcome, OAuth errors) without building a DOM.</summary>
internal static class FhirResponses
{
    /// <summary>Key under which a response's diagnostics are left in <see cref="HttpContext.Items"/> for the request log.</summary>
    public const string DiagnosticsKey = "fhirbulk.diagnostics";

    /// <summary>An OperationOutcome response; <paramref name="code"/> is a FHIR issue-type code.</summary>
    public static IResult Outcome(int status, string code, string diagnostics, string severity = "error") =>
        new JsonBodyResult(status, ServerDefaults.FhirJson, json => WriteOutcome(json, severity, code, diagnostics), diagnostics);

    public static IResult BadRequest(string diagnostics) => Outcome(StatusCodes.Status400BadRequest, "invalid", diagnostics);

    public static IResult NotFound(string diagnostics) => Outcome(StatusCodes.Status404NotFound, "not-found", diagnostics);

    public static void WriteOutcome(Utf8JsonWriter json, string severity, string code, string diagnostics) =>
        WriteOutcome(json, severity, code, [diagnostics]);

    /// <summary>An OperationOutcome with one issue per diagnostics message, all of the same severity and code.</summary>
    public static void WriteOutcome(Utf8JsonWriter json, string severity, string code, IEnumerable<string> diagnostics)
    {
        json.WriteStartObject();
        json.WriteString("resourceType"u8, "OperationOutcome");
        json.WriteStartArray("issue"u8);
        foreach (var message in diagnostics)
        {
            json.WriteStartObject();
            json.WriteString("severity"u8, severity);
            json.WriteString("code"u8, code);
            json.WriteString("diagnostics"u8, message);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>An OAuth 2.0 error response (RFC 6749 §5.2).</summary>
    public static IResult OAuthError(int status, string error, string description) =>
        new JsonBodyResult(status, "application/json", description: error + ": " + description, write: json =>
        {
            json.WriteStartObject();
            json.WriteString("error"u8, error);
            json.WriteString("error_description"u8, description);
            json.WriteEndObject();
        });

    public static IResult Json(int status, Action<Utf8JsonWriter> write, string contentType = ServerDefaults.FhirJson) =>
        new JsonBodyResult(status, contentType, write);

    private sealed class JsonBodyResult(int status, string contentType, Action<Utf8JsonWriter> write, string? description = null) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            if (description is not null)
            {
                httpContext.Items[DiagnosticsKey] = description;
            }

            httpContext.Response.StatusCode = status;
            httpContext.Response.ContentType = contentType;
            httpContext.Response.Headers.CacheControl = "no-store";
            await using var json = new Utf8JsonWriter(httpContext.Response.BodyWriter);
            write(json);
            await json.FlushAsync(httpContext.RequestAborted);
        }
    }
}
