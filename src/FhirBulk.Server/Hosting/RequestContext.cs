using FhirBulk.Server.Auth;
using FhirBulk.Server.Faults;
using FhirBulk.Server.Fhir;
using Microsoft.AspNetCore.Http;

namespace FhirBulk.Server.Hosting;

/// <summary>Per-request facts: the fault options in force and the base URLs built from the request's path base.</summary>
/// <remarks>
/// Every request (file downloads included) gets one, and few endpoints read the URLs, so they are
/// built on use rather than up front.
/// </remarks>
internal sealed class RequestContext(ServerState state, FaultOptions faults, string pathBase)
{
    private const string Key = "fhirbulk.request";

    public FaultOptions Faults => faults;

    public string FhirBase => $"{state.Origin}{pathBase}/fhir";

    public string TokenEndpoint => $"{state.Origin}{pathBase}/auth/token";

    public string RegistrationEndpoint => $"{state.Origin}{pathBase}/auth/register";

    public TimeSpan TokenLifetime => faults.AccessTokenLifetimeSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : state.Options.AccessTokenLifetime;

    public static RequestContext Of(HttpContext context) => (RequestContext)context.Items[Key]!;

    /// <summary>
    /// Routes <c>/&lt;b64json&gt;/fhir/...</c> like <c>/fhir/...</c>: the segment moves into PathBase and its
    /// fault options apply to this request. Requests on the second origin are left to the file routes.
    /// </summary>
    public static RequestDelegate Middleware(ServerState state, RequestDelegate next) => async context =>
    {
        var path = context.Request.Path.Value ?? string.Empty;
        if (context.Connection.LocalPort == state.SecondPort && !path.StartsWith("/files/", StringComparison.Ordinal))
        {
            // The second origin serves capability URLs only; the FHIR API lives on the first.
            await FhirResponses.NotFound("This origin serves export files only.").ExecuteAsync(context);
            return;
        }

        var faults = state.Options.Faults;
        var pathBase = string.Empty;
        var firstEnd = path.Length > 1 ? path.IndexOf('/', 1) : -1;
        var first = firstEnd < 0 ? path.TrimStart('/') : path[1..firstEnd];
        if (context.Connection.LocalPort == state.Port && first.Length > 0 && first is not ("fhir" or "auth") && firstEnd > 0)
        {
            if (!FaultSegment.TryDecode(first, out faults, out var error))
            {
                await FhirResponses.Outcome(StatusCodes.Status404NotFound, "not-found", error
                    ?? $"No FHIR endpoint at {path}; this server's FHIR base URL is {state.Origin}/fhir.").ExecuteAsync(context);
                return;
            }

            pathBase = "/" + first;
            context.Request.PathBase = pathBase;
            context.Request.Path = path[firstEnd..];
        }

        context.Items[Key] = new RequestContext(state, faults, pathBase);
        await next(context);
        if (context.Response.StatusCode >= 400)
        {
            ServerLog.Rejected(state.Logger, context.Request.Method, context.Request.Path, context.Response.StatusCode,
                context.Items[FhirResponses.DiagnosticsKey] as string ?? string.Empty);
        }
    };

    /// <summary>Checks the bearer token when auth is on; returns the caller, or the 401 to send.</summary>
    public static async Task<(Caller? Caller, IResult? Rejection)> AuthorizeAsync(HttpContext context, ServerState state)
    {
        if (!state.Options.RequireAuth)
        {
            return (Caller.Anonymous, null);
        }

        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length <= 7)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return (null, FhirResponses.Outcome(StatusCodes.Status401Unauthorized, "login", "An access token is required: send Authorization: Bearer <token>."));
        }

        var (caller, error) = await state.Tokens.ValidateAsync(header[7..].Trim());
        if (caller is null)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer error=\"invalid_token\"";
            return (null, FhirResponses.Outcome(StatusCodes.Status401Unauthorized, "login", error!));
        }

        return (caller, null);
    }
}
