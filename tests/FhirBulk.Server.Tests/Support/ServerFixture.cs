using System.Net.Http.Headers;
using System.Text.Json;

namespace FhirBulk.Server.Tests.Support;

/// <summary>One in-process server per test class, with an RS384 client and an ES384 client registered.</summary>
public class ServerFixture : IAsyncLifetime, IAsyncDisposable
{
    /// <summary>A fixture over a server of its own, for a test that needs particular data or options; dispose it.</summary>
    public static async Task<ServerFixture> StartAsync(BulkDataServerOptions options)
    {
        var fixture = new OptionsServerFixture(options);
        await fixture.InitializeAsync();
        return fixture;
    }

    public BulkDataServer Server { get; private set; } = null!;

    public TestKeys RsaKeys { get; } = TestKeys.Rsa();

    public TestKeys EcKeys { get; } = TestKeys.Ec();

    public string RsaClientId { get; private set; } = string.Empty;

    public string EcClientId { get; private set; } = string.Empty;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    protected virtual BulkDataServerOptions CreateOptions() => new() { Patients = 40, Seed = 7, ResourcesPerFile = 400 };

    private Dictionary<string, List<JsonElement>>? _reference;

    /// <summary>The same population the server generated, read straight from files, to compute expected answers.</summary>
    public async Task<IReadOnlyDictionary<string, List<JsonElement>>> ReferenceDataAsync()
    {
        if (_reference is not null)
        {
            return _reference;
        }

        var options = CreateOptions();
        var folder = Path.Combine(Path.GetTempPath(), "fhirbulk-reference-" + Guid.NewGuid().ToString("N"));
        try
        {
            await PopulationGenerator.GenerateAsync(folder, options.Patients, options.Seed);
            return _reference = Data.AdvancedPopulationFixture.ReadFolder(folder);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    public async Task InitializeAsync()
    {
        Server = await BulkDataServer.StartAsync(CreateOptions());
        RsaClientId = Server.RegisterClient(RsaKeys.PublicJwks());
        EcClientId = Server.RegisterClient(EcKeys.PublicJwks());
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
        RsaKeys.Dispose();
        EcKeys.Dispose();
    }

    ValueTask IAsyncDisposable.DisposeAsync() => new(DisposeAsync());

    public AssertionSpec Assertion(string? clientId = null) => new(clientId ?? RsaClientId, Server.TokenEndpoint.ToString());

    public Task<HttpResponseMessage> RequestTokenAsync(string assertion, string scope = "system/*.read", Uri? tokenEndpoint = null) =>
        Http.PostAsync(tokenEndpoint ?? Server.TokenEndpoint, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ["client_assertion"] = assertion,
            ["scope"] = scope,
        }));

    public async Task<string> TokenAsync(string scope = "system/*.read")
    {
        using var response = await RequestTokenAsync(Assertion().Sign(RsaKeys), scope);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("access_token").GetString()!;
    }

    public HttpRequestMessage Get(string url, string? token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return request;
    }

    public HttpRequestMessage Kickoff(string url, string? token, HttpMethod? method = null)
    {
        var request = new HttpRequestMessage(method ?? HttpMethod.Get, url);
        request.Headers.Accept.ParseAdd("application/fhir+json");
        request.Headers.Add("Prefer", "respond-async");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return request;
    }

    /// <summary>Kicks off and asserts 202; returns the status URL.</summary>
    public async Task<string> StartExportAsync(string url, string? token)
    {
        using var response = await Http.SendAsync(Kickoff(url, token));
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return response.Content.Headers.ContentLocation?.ToString() ?? response.Headers.GetValues("Content-Location").Single();
    }

    /// <summary>Polls until 200 and returns the manifest; polls fast rather than honouring Retry-After to keep tests quick.</summary>
    public async Task<JsonElement> WaitForManifestAsync(string statusUrl, string? token)
    {
        for (var attempt = 0; attempt < 500; attempt++)
        {
            using var response = await Http.SendAsync(Get(statusUrl, token));
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode == System.Net.HttpStatusCode.OK)
            {
                return JsonDocument.Parse(body).RootElement.Clone();
            }

            Assert.True(response.StatusCode == System.Net.HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {body}");
            await Task.Delay(20);
        }

        throw new TimeoutException("Export did not complete.");
    }

    public async Task<JsonElement> ExportAsync(string relativeUrl, string? token)
    {
        var status = await StartExportAsync(Server.BaseUri + relativeUrl, token);
        return await WaitForManifestAsync(status, token);
    }

    public async Task<List<JsonElement>> DownloadAsync(JsonElement manifest, string type, string? token)
    {
        var resources = new List<JsonElement>();
        foreach (var output in manifest.GetProperty("output").EnumerateArray())
        {
            if (output.TryGetProperty("type", out var t) && t.GetString() != type)
            {
                continue;
            }

            using var response = await Http.SendAsync(Get(output.GetProperty("url").GetString()!, token));
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, body);
            foreach (var line in body.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                resources.Add(JsonDocument.Parse(line).RootElement.Clone());
            }
        }

        return resources;
    }
}

internal sealed class OptionsServerFixture(BulkDataServerOptions options) : ServerFixture
{
    protected override BulkDataServerOptions CreateOptions() => options;
}
