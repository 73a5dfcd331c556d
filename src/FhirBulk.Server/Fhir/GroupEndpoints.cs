using FhirBulk.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace FhirBulk.Server.Fhir;

/// <summary><c>GET /fhir/Group</c> (searchset of every Group) and <c>GET /fhir/Group/{id}</c>, so clients can find a Group to export.</summary>
internal static class GroupEndpoints
{
    public static void Map(IEndpointRouteBuilder app, ServerState state)
    {
        app.MapGet("/fhir/Group", async (HttpContext context) =>
        {
            var (_, rejection) = await RequestContext.AuthorizeAsync(context, state);
            if (rejection is not null)
            {
                return rejection;
            }

            var request = RequestContext.Of(context);
            var groups = state.Groups.All().Select(g => (g.Id, Line: g.Line.ToArray())).ToList();
            return FhirResponses.Json(StatusCodes.Status200OK, json =>
            {
                json.WriteStartObject();
                json.WriteString("resourceType"u8, "Bundle");
                json.WriteString("type"u8, "searchset");
                json.WriteNumber("total"u8, groups.Count);
                json.WriteStartArray("entry"u8);
                foreach (var (id, line) in groups)
                {
                    json.WriteStartObject();
                    json.WriteString("fullUrl"u8, $"{request.FhirBase}/Group/{id}");
                    json.WritePropertyName("resource"u8);
                    json.WriteRawValue(line, skipInputValidation: true);
                    json.WriteStartObject("search"u8);
                    json.WriteString("mode"u8, "match");
                    json.WriteEndObject();
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                json.WriteEndObject();
            });
        });

        app.MapGet("/fhir/Group/{id}", async (HttpContext context, string id) =>
        {
            var (_, rejection) = await RequestContext.AuthorizeAsync(context, state);
            if (rejection is not null)
            {
                return rejection;
            }

            var line = state.Groups.Find(id);
            return line is null
                ? FhirResponses.NotFound($"Group/{id} does not exist.")
                : FhirResponses.Json(StatusCodes.Status200OK, json => json.WriteRawValue(line, skipInputValidation: true));
        });
    }
}
