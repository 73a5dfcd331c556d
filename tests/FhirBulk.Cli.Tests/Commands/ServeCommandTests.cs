using System.Net;
using System.Text.Json;
using FhirBulk.Cli.Tests.Infrastructure;

namespace FhirBulk.Cli.Tests.Commands;

public sealed class ServeCommandTests
{
    [Fact]
    public async Task Serve_PortZero_PrintsLoopbackBaseUrlFirstAndServesUntilCancelled()
    {
        using var stop = new CancellationTokenSource();
        var running = await new CliRunner().StartAsync(stop.Token, "serve", "--port", "0", "--patients", "3");

        Assert.Matches(@"^http://127\.0\.0\.1:\d+/fhir$", running.FirstLine);
        using var http = new HttpClient();
        var metadata = await http.GetAsync(new Uri(running.FirstLine + "/metadata"));
        Assert.Equal(HttpStatusCode.OK, metadata.StatusCode);

        await stop.CancelAsync();
        var result = await running.Completion;
        Assert.True(result.ExitCode == 0, result.ToString());
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(new Uri(running.FirstLine + "/metadata")));
    }

    [Fact]
    public async Task Serve_JsonNoAuth_ReportsUrlsAndServesOpenly()
    {
        using var stop = new CancellationTokenSource();
        var running = await new CliRunner().StartAsync(stop.Token, "serve", "--patients", "2", "--no-auth", "--json");
        // The JSON document is indented: wait for its closing brace.
        while (!running.Output.Output.Contains('}', StringComparison.Ordinal))
        {
            await Task.Delay(20);
        }

        var json = JsonDocument.Parse(running.Output.Output).RootElement;
        var baseUrl = json.GetProperty("baseUrl").GetString()!;
        Assert.False(json.GetProperty("requiresAuth").GetBoolean());
        using var http = new HttpClient();
        var groups = await http.GetAsync(new Uri(baseUrl + "/Group"));
        Assert.Equal(HttpStatusCode.OK, groups.StatusCode);

        await stop.CancelAsync();
        Assert.Equal(0, (await running.Completion).ExitCode);
    }

    [Fact]
    public async Task Serve_MissingDataFolder_InvalidInputNamingIt()
    {
        var result = await new CliRunner().RunAsync("serve", "--data", "/nonexistent/export");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("/nonexistent/export", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_FaultRateOutOfRange_UsageError()
    {
        var result = await new CliRunner().RunAsync("serve", "--status-error", "2");

        Assert.Equal(2, result.ExitCode);
    }
}
