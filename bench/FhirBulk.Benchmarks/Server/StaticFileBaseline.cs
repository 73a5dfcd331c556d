using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FhirBulk.Benchmarks.Server;

/// <summary>
/// The yardstick for file serving: the least Kestrel app that serves one file (Results.File with a
/// physical path, i.e. SendFileAsync, ranges on), on 127.0.0.1 with the same Kestrel core as ours.
/// </summary>
internal sealed class StaticFileBaseline : IAsyncDisposable
{
    private readonly WebApplication _app;

    private StaticFileBaseline(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    public static async Task<StaticFileBaseline> StartAsync(string filePath)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddRoutingCore();
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.UseRouting();
        app.MapGet("/file.ndjson", () => Results.File(filePath, "application/fhir+ndjson", enableRangeProcessing: true));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new StaticFileBaseline(app, new Uri($"{address}/file.ndjson"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
