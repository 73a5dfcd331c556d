using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using FhirBulk.Server.Tests.Support;

namespace FhirBulk.Server.Tests.Export;

/// <summary>
/// The workshop's client, request for request (shared/seed/fhir-bulk-data-workshop.txt): written against the
/// public SMART sample server, it must pass here unchanged — including its assertion, which has no jti.
/// </summary>
public class WorkshopClientTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly HttpClient _session = new();

    private async Task<string> GetTokenAsync(string clientId, string tokenEndpoint, TestKeys keys)
    {
        // jwt.encode({'iss','sub','aud','exp': now + 5 min}, key, algorithm='RS384', headers={'kid': key_id})
        var assertion = new AssertionSpec(clientId, tokenEndpoint) { Jti = null, ExpiresIn = TimeSpan.FromMinutes(5) }.Sign(keys);
        using var response = await _session.PostAsync(tokenEndpoint, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["scope"] = "system/*.read",
            ["grant_type"] = "client_credentials",
            ["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ["client_assertion"] = assertion,
        }));
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(json.GetProperty("expires_in").GetInt32() > 0);
        return json.GetProperty("access_token").GetString()!;
    }

    private async Task<JsonElement> GetJsonAsync(string url, string? token, bool respondAsync = false)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        request.Headers.Accept.ParseAdd("application/fhir+json");
        if (respondAsync)
        {
            request.Headers.Add("Prefer", "respond-async");
        }

        using var response = await _session.SendAsync(request);
        if (respondAsync)
        {
            Assert.Equal(202, (int)response.StatusCode);
            return JsonDocument.Parse(JsonValue.Create(response.Content.Headers.ContentLocation!.ToString()).ToJsonString()).RootElement.Clone();
        }

        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private async Task<Dictionary<string, int>> RunExportAsync(string kickoffUrl, string token)
    {
        var checkUrl = (await GetJsonAsync(kickoffUrl, token, respondAsync: true)).GetString()!;
        JsonElement manifest;
        while (true)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, checkUrl);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            request.Headers.Accept.ParseAdd("application/fhir+json");
            using var response = await _session.SendAsync(request);
            if ((int)response.StatusCode == 200)
            {
                manifest = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
                break;
            }

            Assert.Equal(202, (int)response.StatusCode);
            await Task.Delay(20);
        }

        var byType = new Dictionary<string, int>();
        foreach (var output in manifest.GetProperty("output").EnumerateArray())
        {
            var request = new HttpRequestMessage(HttpMethod.Get, output.GetProperty("url").GetString());
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            request.Headers.Accept.ParseAdd("application/fhir+json");
            using var response = await _session.SendAsync(request);
            var lines = (await response.Content.ReadAsStringAsync()).Trim().Split('\n');
            var type = output.GetProperty("type").GetString()!;
            byType[type] = byType.GetValueOrDefault(type) + lines.Length;
        }

        return byType;
    }

    [Fact]
    public async Task WorkshopFlow_RegisterTokenPatientGroupAndSystemExports_Pass()
    {
        using var keys = TestKeys.Rsa("4d7792ce42054d5df8dd85f8b527dd88");
        using var registration = await _session.PostAsync(fixture.Server.RegistrationEndpoint,
            new FormUrlEncodedContent(new Dictionary<string, string> { ["jwks"] = keys.PublicJwks() }));
        var clientId = await registration.Content.ReadAsStringAsync();
        var serverUrl = fixture.Server.BaseUri.ToString();

        var metadata = await GetJsonAsync($"{serverUrl}/metadata", null);
        Assert.Equal("CapabilityStatement", metadata.GetProperty("resourceType").GetString());
        var smartConfig = await GetJsonAsync($"{serverUrl}/.well-known/smart-configuration", null);
        var tokenEndpoint = smartConfig.GetProperty("token_endpoint").GetString()!;

        var token = await GetTokenAsync(clientId, tokenEndpoint, keys);
        var patientExport = await RunExportAsync($"{serverUrl}/Patient/$export?_type=Patient,Condition", token);
        Assert.Equal(40, patientExport["Patient"]);
        Assert.True(patientExport["Condition"] > 40);

        var groups = await GetJsonAsync($"{serverUrl}/Group", token);
        var groupId = groups.GetProperty("entry")[0].GetProperty("resource").GetProperty("id").GetString();
        var groupExport = await RunExportAsync($"{serverUrl}/Group/{groupId}/$export?_type=Patient,MedicationRequest,Encounter", token);
        Assert.InRange(groupExport["Patient"], 1, 39);

        var systemExport = await RunExportAsync($"{serverUrl}/$export?_type=Patient,Organization", token);
        Assert.True(systemExport["Organization"] > 0);

        // The workshop asks for a fresh token when the old one expires: a new assertion (new exp) is accepted.
        await Task.Delay(1100);
        Assert.NotEqual(token, await GetTokenAsync(clientId, tokenEndpoint, keys));
    }
}
