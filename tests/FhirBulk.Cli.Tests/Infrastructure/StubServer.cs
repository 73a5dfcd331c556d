using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FhirBulk.Cli.Tests.Infrastructure;

/// <summary>
/// A server that answers each path as the test says, on a loopback port: for answers the embedded server never gives
/// (a SMART configuration that is not JSON, a token response with a malformed field). Unknown paths get 404; a 429
/// comes with <c>Retry-After: 6</c>, a wait long enough to be announced.
/// </summary>
public sealed class StubServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private StubServer(WebApplication app, Uri baseUri)
    {
        this.app = app;
        BaseUri = baseUri;
    }

    /// <summary>The FHIR base, <c>http://127.0.0.1:PORT/fhir/</c>.</summary>
    public Uri BaseUri { get; }

    /// <param name="answers">Path below the FHIR base (<c>.well-known/smart-configuration</c>, <c>metadata</c>, or <c>/token</c> from the root) to status and JSON-or-text body.</param>
    public static async Task<StubServer> StartAsync(IReadOnlyDictionary<string, (int Status, string Body)> answers)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Run(async context =>
        {
            var path = context.Request.Path.Value ?? "";
            var key = path.StartsWith("/fhir/", StringComparison.Ordinal) ? path["/fhir/".Length..] : path;
            var (status, body) = answers.TryGetValue(key, out var answer) ? answer : (404, "");
            context.Response.StatusCode = status;
            if (status == 429)
            {
                context.Response.Headers.RetryAfter = "6";
            }

            context.Response.ContentType = body.StartsWith('{') ? "application/json" : "text/html";
            await context.Response.WriteAsync(body);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new StubServer(app, new Uri(address.TrimEnd('/') + "/fhir/"));
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}
