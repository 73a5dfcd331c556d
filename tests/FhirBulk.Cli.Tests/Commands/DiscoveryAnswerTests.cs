using FhirBulk.Auth;
using FhirBulk.Cli.Tests.Infrastructure;

namespace FhirBulk.Cli.Tests.Commands;

/// <summary>
/// SMART discovery and token answers that are not quite right, as the user sees them: a malformed document is the
/// server's fault (exit 5, naming the document and the field), a malformed token response the token endpoint's (exit 4),
/// and only a missing smart-configuration (404) falls back to the CapabilityStatement.
/// </summary>
public sealed class DiscoveryAnswerTests : IDisposable
{
    private const string NoSecurity = """{"resourceType":"CapabilityStatement","rest":[{"mode":"server"}]}""";

    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task Export_SmartConfigurationAnswers200NotJson_Exit5NamingTheDocumentNotAMissingTokenEndpoint()
    {
        await using var server = await StubServer.StartAsync(new Dictionary<string, (int, string)>
        {
            [".well-known/smart-configuration"] = (200, "<html>Welcome to the portal</html>"),
            ["metadata"] = (200, NoSecurity),
        });

        var result = await RunExportWithCredentials(server);

        Assert.True(result.ExitCode == 5, result.ToString());
        var error = Assert.Single(result.Error.Split('\n'), l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.Contains($"{server.BaseUri}.well-known/smart-configuration did not answer JSON (line 1, byte 1 of its body)", error, StringComparison.Ordinal);
        Assert.DoesNotContain("HTTP", error, StringComparison.Ordinal);
        Assert.DoesNotContain("advertises no token endpoint", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_SmartConfigurationWithoutTokenEndpoint_Exit5NamingTheDocumentAndField()
    {
        await using var server = await StubServer.StartAsync(new Dictionary<string, (int, string)>
        {
            [".well-known/smart-configuration"] = (200, """{"issuer":"somewhere","capabilities":["client-confidential-asymmetric"]}"""),
            ["metadata"] = (200, NoSecurity),
        });

        var result = await RunExportWithCredentials(server);

        Assert.True(result.ExitCode == 5, result.ToString());
        Assert.Contains($"error: The SMART configuration at {server.BaseUri}.well-known/smart-configuration has no token_endpoint", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_NoSmartConfigurationAndNoneInCapabilityStatement_Exit4WithoutAnHttp404Prefix()
    {
        await using var server = await StubServer.StartAsync(new Dictionary<string, (int, string)> { ["metadata"] = (200, NoSecurity) });

        var result = await RunExportWithCredentials(server);

        Assert.True(result.ExitCode == 4, result.ToString());
        Assert.Matches(@"^error: http://\S+ advertises no token endpoint \(no \.well-known/smart-configuration, and none in the CapabilityStatement\), but credentials were given", result.Error);
    }

    [Fact]
    public async Task Export_TokenResponseWithMalformedExpiresIn_Exit4NamingEndpointAndFieldWithoutHttp200()
    {
        await using var server = await StubServer.StartAsync(new Dictionary<string, (int, string)>
        {
            ["/token"] = (200, """{"access_token":"t","token_type":"bearer","expires_in":"soon"}"""),
        });
        var tokenUrl = new Uri(server.BaseUri, "/token");
        await using var withSmart = await StubServer.StartAsync(new Dictionary<string, (int, string)>
        {
            [".well-known/smart-configuration"] = (200, $$"""{"token_endpoint":"{{tokenUrl}}"}"""),
        });

        var result = await RunExportWithCredentials(withSmart);

        Assert.True(result.ExitCode == 4, result.ToString());
        Assert.Matches($@"^error: The token endpoint {System.Text.RegularExpressions.Regex.Escape(tokenUrl.ToString())} answered an expires_in that is the string ""soon"", not a positive number of seconds\.", result.Error);
        Assert.DoesNotContain("HTTP 200", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Groups_TokenEndpointAnswers429WithRetryAfter6_NoteNamingTheTokenRequestAndTheWait()
    {
        await using var server = await StubServer.StartAsync(new Dictionary<string, (int, string)>
        {
            ["/token"] = (429, """{"error":"slow_down"}"""),
        });
        var tokenUrl = new Uri(server.BaseUri, "/token");
        await using var withSmart = await StubServer.StartAsync(new Dictionary<string, (int, string)>
        {
            [".well-known/smart-configuration"] = (200, $$"""{"token_endpoint":"{{tokenUrl}}"}"""),
        });
        var key = temp.File("key.pem");
        await File.WriteAllTextAsync(key, KeyGenerator.Generate("ES384").PrivateKeyPem);

        var result = await new CliRunner().AsPipe().RunAsync("groups", "--server", withSmart.BaseUri.ToString(), "--client-id", "c", "--key", key, "--retries", "1");

        Assert.True(result.ExitCode != 0, result.ToString());
        var note = Assert.Single(result.Error.Split('\n'), l => l.StartsWith("note:", StringComparison.Ordinal));
        Assert.Matches($@"^note: .*\({System.Text.RegularExpressions.Regex.Escape(tokenUrl.ToString())}\) answered 429\b.*; waiting 6(\.0)? s as the server asked \(Retry-After\)$", note);
    }

    [Fact]
    public async Task Info_MetadataAnswers429WithRetryAfter6_NoteNamingTheWait()
    {
        await using var server = await StubServer.StartAsync(new Dictionary<string, (int, string)> { ["metadata"] = (429, "") });

        var result = await new CliRunner().AsPipe().RunAsync("info", "--server", server.BaseUri.ToString(), "--retries", "1");

        Assert.True(result.ExitCode != 0, result.ToString());
        Assert.Contains(result.Error.Split('\n'), l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^note: .*metadata\) answered 429\b.*; waiting 6(\.0)? s as the server asked \(Retry-After\)$"));
    }

    private async Task<CliResult> RunExportWithCredentials(StubServer server)
    {
        var key = temp.File("key.pem");
        await File.WriteAllTextAsync(key, KeyGenerator.Generate("ES384").PrivateKeyPem);
        return await new CliRunner().AsPipe().RunAsync("export", "--server", server.BaseUri.ToString(), "--client-id", "c", "--key", key, "--retries", "0", "--out", temp.File("out"));
    }
}
