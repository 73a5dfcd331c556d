using System.Text.Json;

namespace FhirBulk.Server.Tests.Support;

/// <summary>Small assertions on HTTP responses.</summary>
public static class HttpAssert
{
    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Asserts an OAuth error response and returns its description.</summary>
    public static async Task<string> AssertOAuthErrorAsync(HttpResponseMessage response, int status, string error)
    {
        var json = await JsonAsync(response);
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(error, json.GetProperty("error").GetString());
        return json.GetProperty("error_description").GetString()!;
    }

    /// <summary>Asserts an OperationOutcome response with the given status and returns the first issue.</summary>
    public static async Task<JsonElement> AssertOutcomeAsync(HttpResponseMessage response, int status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == (int)response.StatusCode, $"expected {status}, got {(int)response.StatusCode}: {body}");
        var json = JsonDocument.Parse(body).RootElement;
        Assert.Equal("OperationOutcome", json.GetProperty("resourceType").GetString());
        return json.GetProperty("issue")[0].Clone();
    }
}
