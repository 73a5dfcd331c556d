using FhirBulk.Server.Fhir;
using FhirBulk.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace FhirBulk.Server.Auth;

/// <summary>The token endpoint (SMART Backend Services) and the dev registration endpoint.</summary>
internal static class AuthEndpoints
{
    private const string JwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

    public static void Map(IEndpointRouteBuilder app, ServerState state)
    {
        app.MapPost("/auth/token", (Func<HttpContext, Task<IResult>>)(context => TokenAsync(context, state)));
        app.MapPost("/auth/register", (Func<HttpContext, Task<IResult>>)(context => RegisterAsync(context, state)));
    }

    private static async Task<IResult> TokenAsync(HttpContext context, ServerState state)
    {
        if (!context.Request.HasFormContentType)
        {
            return Refuse(state, AuthError.InvalidRequest("The token request must be application/x-www-form-urlencoded."));
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        if (form["grant_type"] != "client_credentials")
        {
            return Refuse(state, new AuthError("unsupported_grant_type", 400, "grant_type must be client_credentials."));
        }

        if (form["client_assertion_type"] != JwtBearer)
        {
            return Refuse(state, AuthError.InvalidRequest($"client_assertion_type must be {JwtBearer}."));
        }

        var assertion = form["client_assertion"].ToString();
        if (assertion.Length == 0)
        {
            return Refuse(state, AuthError.InvalidRequest("client_assertion is required."));
        }

        if (!ScopeSet.TryParse(form["scope"], out var requested, out var scopeError))
        {
            return Refuse(state, AuthError.InvalidScope(scopeError));
        }

        var request = RequestContext.Of(context);
        var (client, error) = await state.Assertions.ValidateAsync(assertion, request.TokenEndpoint, context.RequestAborted);
        if (error is not null)
        {
            return Refuse(state, error);
        }

        if (!client!.AllowedScopes.Covers(requested))
        {
            return Refuse(state, AuthError.InvalidScope($"Scope '{requested.Text}' exceeds what client is allowed ('{client.AllowedScopes.Text}')."));
        }

        var lifetime = request.TokenLifetime;
        var token = state.Tokens.Issue(client.ClientId, requested, lifetime);
        ServerLog.TokenIssued(state.Logger, client.ClientId, requested.Text, lifetime);
        return FhirResponses.Json(StatusCodes.Status200OK, json =>
        {
            json.WriteStartObject();
            json.WriteString("access_token"u8, token);
            json.WriteString("token_type"u8, "bearer");
            json.WriteNumber("expires_in"u8, (long)lifetime.TotalSeconds);
            json.WriteString("scope"u8, requested.Text);
            json.WriteEndObject();
        }, "application/json");
    }

    private static IResult Error(AuthError error) => FhirResponses.OAuthError(error.Status, error.Error, error.Description);

    private static IResult Refuse(ServerState state, AuthError error)
    {
        ServerLog.TokenRefused(state.Logger, error.Error, error.Description);
        return Error(error);
    }

    /// <summary>
    /// Dev registration as on the public SMART sample server: form field <c>jwks</c> (a JWKS JSON string)
    /// or <c>jwks_url</c>; answers the new client_id as text/plain.
    /// </summary>
    private static async Task<IResult> RegisterAsync(HttpContext context, ServerState state)
    {
        if (!context.Request.HasFormContentType)
        {
            return FhirResponses.OAuthError(400, "invalid_client_metadata", "Registration must be application/x-www-form-urlencoded with jwks or jwks_url.");
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var jwks = form["jwks"].ToString();
        var jwksUrl = form["jwks_url"].ToString();
        Uri? url = null;
        if (jwksUrl.Length > 0 && !(Uri.TryCreate(jwksUrl, UriKind.Absolute, out url) && url.Scheme is "http" or "https"))
        {
            return FhirResponses.OAuthError(400, "invalid_client_metadata", $"jwks_url '{jwksUrl}' is not an absolute http(s) URL.");
        }

        if (jwks.Length == 0 && url is null)
        {
            return FhirResponses.OAuthError(400, "invalid_client_metadata", "Send jwks (a JWKS JSON string) or jwks_url.");
        }

        var scope = form["scope"].ToString();
        if (scope.Length > 0 && !ScopeSet.TryParse(scope, out _, out var scopeError))
        {
            return FhirResponses.OAuthError(400, "invalid_client_metadata", scopeError);
        }

        try
        {
            var clientId = state.Clients.Register(jwks.Length == 0 ? null : jwks, url, scope.Length == 0 ? null : scope);
            ServerLog.ClientRegistered(state.Logger, clientId);
            return Results.Text(clientId, "text/plain", statusCode: StatusCodes.Status200OK);
        }
        catch (ArgumentException exception)
        {
            return FhirResponses.OAuthError(400, "invalid_client_metadata", exception.Message);
        }
    }
}
