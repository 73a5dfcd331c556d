using System.Text.Json.Nodes;
using FhirBulk.Server.Tests.Support;

namespace FhirBulk.Server.Tests.Auth;

public class ClientsFileTests
{
    [Fact]
    public async Task StartAsync_ClientsFile_ClientGetsTokenWithinItsScopes()
    {
        using var keys = TestKeys.Rsa("file-key");
        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(path, new JsonArray(
                new JsonObject { ["client_id"] = "from-file", ["jwks"] = JsonNode.Parse(keys.PublicJwks()), ["scope"] = "system/Patient.rs" }).ToJsonString());
            await using var server = await BulkDataServer.StartAsync(new BulkDataServerOptions { Patients = 1, ClientsFile = path });
            using var http = new HttpClient();
            var assertion = new AssertionSpec("from-file", server.TokenEndpoint.ToString());
            using var ok = await http.PostAsync(server.TokenEndpoint, Form(assertion.Sign(keys), "system/Patient.rs"));
            Assert.Equal(200, (int)ok.StatusCode);
            using var refused = await http.PostAsync(server.TokenEndpoint, Form((assertion with { Jti = "other" }).Sign(keys), "system/*.read"));
            await HttpAssert.AssertOAuthErrorAsync(refused, 400, "invalid_scope");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task StartAsync_ClientsFileWithoutKeys_ThrowsNamingTheEntry()
    {
        var (error, _) = await StartFailsAsync("""[{"client_id":"a","jwks_url":"https://example.org/jwks"},{"client_id":"b"}]""");
        Assert.Contains("entry 1", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""[{"client_id":"a","jwks_url":"https://example.org/jwks"},{"client_id":"a","jwks_url":"https://example.org/jwks"}]""", "already registered")]
    [InlineData("""[{"client_id":"a","jwks_url":"https://example.org/jwks"},{"client_id":"b","jwks":{"keys":[]}}]""", "no RSA or EC key")]
    [InlineData("""[{"client_id":"a","jwks_url":"https://example.org/jwks"},{"client_id":"b","jwks_url":7}]""", "String")]
    [InlineData("""[{"client_id":"a","jwks_url":"https://example.org/jwks"},{"client_id":"b","jwks_url":"https://example.org/jwks","scope":"everything"}]""", "everything")]
    public async Task StartAsync_ClientsFileEntryUnusable_FormatExceptionNamingTheEntry(string file, string reason)
    {
        // Regression: a duplicate id, an empty JWKS, a bad scope or a field of the wrong JSON kind escaped
        // as an exception that named neither the file nor the entry.
        var (error, _) = await StartFailsAsync(file);
        Assert.Contains("entry 1", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_ClientsFileNotJson_FormatExceptionNamingTheFile()
    {
        var (error, path) = await StartFailsAsync("[{");
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    /// <summary>Starts a server on a clients file holding <paramref name="content"/> and returns the FormatException it must fail with.</summary>
    private static async Task<(FormatException Error, string Path)> StartFailsAsync(string content)
    {
        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(path, content);
            var error = await Assert.ThrowsAsync<FormatException>(() => BulkDataServer.StartAsync(new BulkDataServerOptions { Patients = 1, ClientsFile = path }));
            return (error, path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static FormUrlEncodedContent Form(string assertion, string scope) => new(new Dictionary<string, string>
    {
        ["grant_type"] = "client_credentials",
        ["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        ["client_assertion"] = assertion,
        ["scope"] = scope,
    });
}
