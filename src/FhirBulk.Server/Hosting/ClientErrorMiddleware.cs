using FhirBulk.Server.Fhir;
using Microsoft.AspNetCore.Http;

namespace FhirBulk.Server.Hosting;

/// <summary>
/// Turns request-parsing failures (malformed forms, oversized bodies, aborted uploads) into a 4xx
/// OperationOutcome: a client's mistake must never surface as a 500.
/// </summary>
internal static class ClientErrorMiddleware
{
    public static RequestDelegate Create(RequestDelegate next) => async context =>
    {
        try
        {
            await next(context);
        }
        catch (BadHttpRequestException exception) when (!context.Response.HasStarted)
        {
            await FhirResponses.Outcome(exception.StatusCode, "invalid", $"The request could not be read: {exception.Message}").ExecuteAsync(context);
        }
        catch (InvalidDataException exception) when (!context.Response.HasStarted)
        {
            await FhirResponses.Outcome(StatusCodes.Status400BadRequest, "invalid", $"The request body is malformed: {exception.Message}").ExecuteAsync(context);
        }
    };

    /// <summary>
    /// Unknown paths and methods get a FHIR 404 rather than an empty body, naming the FHIR base URL: most such requests come
    /// from a client given the wrong one (the bare origin, or a resource's URL).
    /// </summary>
    public static Task NotFound(HttpContext context) =>
        FhirResponses.Outcome(
            StatusCodes.Status404NotFound,
            "not-found",
            $"No endpoint for {context.Request.Method} {context.Request.PathBase}{context.Request.Path}; this server's FHIR base URL is {RequestContext.Of(context).FhirBase}.").ExecuteAsync(context);
}
