using System.Text.Json;
using FhirBulk.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace FhirBulk.Server.Fhir;

/// <summary>Discovery: the CapabilityStatement and SMART configuration, both open to unauthenticated clients.</summary>
internal static class MetadataEndpoints
{
    public static void Map(IEndpointRouteBuilder app, ServerState state)
    {
        app.MapGet("/fhir/metadata", (HttpContext context) => CapabilityStatement(state, RequestContext.Of(context)));
        // An open server (--no-auth) has no token to get: advertising an endpoint would send clients to authenticate for nothing.
        app.MapGet("/fhir/.well-known/smart-configuration", (HttpContext context) => state.Options.RequireAuth
            ? SmartConfiguration(RequestContext.Of(context))
            : Results.NotFound());
    }

    private static IResult SmartConfiguration(RequestContext request) => FhirResponses.Json(StatusCodes.Status200OK, json =>
    {
        json.WriteStartObject();
        json.WriteString("issuer"u8, request.FhirBase);
        json.WriteString("token_endpoint"u8, request.TokenEndpoint);
        json.WriteString("registration_endpoint"u8, request.RegistrationEndpoint);
        WriteArray(json, "token_endpoint_auth_methods_supported"u8, "private_key_jwt");
        WriteArray(json, "token_endpoint_auth_signing_alg_values_supported"u8, "RS384", "ES384");
        WriteArray(json, "grant_types_supported"u8, "client_credentials");
        WriteArray(json, "scopes_supported"u8, "system/*.read", "system/*.rs");
        WriteArray(json, "capabilities"u8, "client-confidential-asymmetric", "permission-v1", "permission-v2");
        json.WriteEndObject();
    }, "application/json");

    private static void WriteArray(Utf8JsonWriter json, ReadOnlySpan<byte> name, params string[] values)
    {
        json.WriteStartArray(name);
        foreach (var value in values)
        {
            json.WriteStringValue(value);
        }

        json.WriteEndArray();
    }

    private static IResult CapabilityStatement(ServerState state, RequestContext request) => FhirResponses.Json(StatusCodes.Status200OK, json =>
    {
        json.WriteStartObject();
        json.WriteString("resourceType"u8, "CapabilityStatement");
        json.WriteString("status"u8, "active");
        json.WriteString("date"u8, state.Clock.GetUtcNow().ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        json.WriteString("kind"u8, "instance");
        json.WriteStartArray("instantiates"u8);
        json.WriteStringValue("http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data");
        json.WriteEndArray();
        json.WriteStartObject("software"u8);
        json.WriteString("name"u8, "FhirBulk.Server");
        json.WriteEndObject();
        json.WriteStartObject("implementation"u8);
        json.WriteString("description"u8, "FhirBulk embedded Bulk Data server");
        json.WriteString("url"u8, request.FhirBase);
        json.WriteEndObject();
        json.WriteString("fhirVersion"u8, "4.0.1");
        WriteArray(json, "format"u8, "application/fhir+json");
        json.WriteStartArray("rest"u8);
        json.WriteStartObject();
        json.WriteString("mode"u8, "server");
        if (state.Options.RequireAuth)
        {
            WriteSecurity(json, request);
        }

        json.WriteStartArray("resource"u8);
        WriteResource(json, "Group", includeRead: true, ("export", "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export"));
        WriteResource(json, "Patient", includeRead: false, ("export", "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export"));
        json.WriteEndArray();
        json.WriteStartArray("operation"u8);
        WriteOperation(json, "export", "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/export");
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
    });

    private static void WriteSecurity(Utf8JsonWriter json, RequestContext request)
    {
        json.WriteStartObject("security"u8);
        json.WriteStartArray("extension"u8);
        json.WriteStartObject();
        json.WriteString("url"u8, "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris");
        json.WriteStartArray("extension"u8);
        foreach (var (name, url) in new[] { ("token", request.TokenEndpoint), ("register", request.RegistrationEndpoint) })
        {
            json.WriteStartObject();
            json.WriteString("url"u8, name);
            json.WriteString("valueUri"u8, url);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteStartArray("service"u8);
        json.WriteStartObject();
        json.WriteStartArray("coding"u8);
        json.WriteStartObject();
        json.WriteString("system"u8, "http://terminology.hl7.org/CodeSystem/restful-security-service");
        json.WriteString("code"u8, "SMART-on-FHIR");
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteResource(Utf8JsonWriter json, string type, bool includeRead, (string Name, string Definition) operation)
    {
        json.WriteStartObject();
        json.WriteString("type"u8, type);
        json.WriteStartArray("interaction"u8);
        if (includeRead)
        {
            foreach (var code in new[] { "read", "search-type" })
            {
                json.WriteStartObject();
                json.WriteString("code"u8, code);
                json.WriteEndObject();
            }
        }

        json.WriteEndArray();
        json.WriteStartArray("operation"u8);
        WriteOperation(json, operation.Name, operation.Definition);
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteOperation(Utf8JsonWriter json, string name, string definition)
    {
        json.WriteStartObject();
        json.WriteString("name"u8, name);
        json.WriteString("definition"u8, definition);
        json.WriteEndObject();
    }
}
