using System.Text.Json;
using FhirBulk.Cli.Tests.Infrastructure;

namespace FhirBulk.Cli.Tests.Commands;

[Collection(ServerCollection.Name)]
public sealed class InfoAndGroupsCommandTests(ServerFixture fixture)
{
    [Fact]
    public async Task Info_Server_SummarisesVersionExportLevelsAndAuthorization()
    {
        var result = await new CliRunner().RunAsync("info", "--server", fixture.BaseUrl);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"FHIR version +4\.0\.1", result.Output);
        Assert.Matches(@"Export levels +group, patient, system", result.Output);
        Assert.Contains(fixture.Server.TokenEndpoint.ToString(), result.Output, StringComparison.Ordinal);
        Assert.Matches(@"Signing algorithms +RS384, ES384", result.Output);
    }

    [Fact]
    public async Task Info_Verbose_LogsEachHttpCallWithItsStatus()
    {
        var result = await new CliRunner().RunAsync("info", "--server", fixture.BaseUrl, "--verbose");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"dbug: FhirBulk\.BulkDataClient\[21\] HTTP GET http://\S+/metadata answered 200 in \d+ ms", result.Error);
    }

    [Fact]
    public async Task Info_WithoutVerbose_LogsNoHttpCalls()
    {
        var result = await new CliRunner().RunAsync("info", "--server", fixture.BaseUrl);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain("HTTP GET", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("metadata", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Info_ServerFromEnvironment_UsedWhenNoOption()
    {
        var result = await new CliRunner().WithEnvironment("FHIR_BULK_SERVER", fixture.BaseUrl).RunAsync("info", "--json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var json = JsonDocument.Parse(result.Output).RootElement;
        Assert.Equal("4.0.1", json.GetProperty("fhirVersion").GetString());
        Assert.Equal(fixture.Server.TokenEndpoint.ToString(), json.GetProperty("authorization").GetProperty("tokenEndpoint").GetString());
    }

    [Fact]
    public async Task Info_WrongServerUrl_ServerFailedNamingTheProblem()
    {
        var url = ServerFixture.UnusedServerUrl();

        var result = await new CliRunner().RunAsync("info", "--server", url, "--retries", "0");

        Assert.Equal(5, result.ExitCode);
        Assert.StartsWith("error:", result.Error, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Info_ServerUrlWithPassword_UsageErrorWithoutRepeatingIt()
    {
        var url = fixture.BaseUrl.Replace("http://", "http://alice:s3cret@", StringComparison.Ordinal);

        var result = await new CliRunner().RunAsync("info", "--server", url, "--retries", "0");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith("error: --server: FHIR server URLs must not carry credentials (user:password@)", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", result.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Info_HttpsUrlOfAPlainHttpServer_SaysTheTlsHandshakeFailedAndToTryHttp()
    {
        // .NET's own words were "Cannot determine the frame size or a corrupted frame was received."
        var url = fixture.BaseUrl.Replace("http://", "https://", StringComparison.Ordinal);

        var result = await new CliRunner().RunAsync("info", "--server", url, "--retries", "0");

        Assert.True(result.ExitCode == 5, result.ToString());
        Assert.Contains("could not be reached: the TLS handshake failed (", result.Error, StringComparison.Ordinal);
        Assert.Contains($"the server may speak plain http on port {new Uri(url).Port}: try http:// instead of https://.", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Groups_KeyFileCutShort_SaysTheFileIsNotACompletePemKey()
    {
        using var temp = new TempFolder();
        var pem = FhirBulk.Auth.KeyGenerator.Generate("ES384").PrivateKeyPem;
        var key = temp.Write("bad.pem", pem[..(pem.Length / 2)]);

        var result = await new CliRunner().RunAsync("groups", "--server", fixture.BaseUrl, "--client-id", fixture.ClientId, "--key", key);

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.StartsWith($"error: cannot read the private key in {key}: The PEM is not a complete key: it has no -----END line (a file cut short?).", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Info_MistypedBasePath_NotFoundNamingTheServersBaseUrlInPlainWords()
    {
        var result = await new CliRunner().AsPipe().RunAsync("info", "--server", fixture.BaseUrl.TrimEnd('/') + "r", "--retries", "0");

        Assert.True(result.ExitCode == 5, result.ToString());
        Assert.Contains("404 Not Found", result.Error, StringComparison.Ordinal);
        Assert.Contains($"this server's FHIR base URL is {fixture.BaseUrl.TrimEnd('/')}.", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("IDX", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("base64url", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Groups_Credentials_TableWithIdNameAndMembers()
    {
        var result = await new CliRunner().RunAsync(["groups", .. fixture.Credentials()]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"│ [0-9a-f-]{36} │ .+ │ +\d+ │", result.Output);
        Assert.Matches(@"\d+ groups?\. Export one with", result.Output);
    }

    [Fact]
    public async Task Groups_ServerWithNoGroup_HintExportsEveryPatientInsteadOfAGroup()
    {
        // A server serving a folder of Patients only: there is no group id for a hint to ask for.
        using var data = new TempFolder();
        await File.WriteAllTextAsync(Path.Combine(data.Path, "Patient.000.ndjson"), "{\"resourceType\":\"Patient\",\"id\":\"p1\"}\n");
        await using var server = await FhirBulk.Server.BulkDataServer.StartAsync(new FhirBulk.Server.BulkDataServerOptions { DataDirectory = data.Path, RequireAuth = false });

        var result = await new CliRunner().RunAsync("groups", "--server", server.BaseUri.AbsoluteUri);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"0 groups. Export every patient with: fhir-bulk export --server {server.BaseUri.AbsoluteUri} --level patient", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("--group ID", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Groups_Hint_CarriesTheConnectionOptionsAnExportNeeds()
    {
        var result = await new CliRunner().RunAsync(["groups", .. fixture.Credentials()]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains(
            $"Export one with: fhir-bulk export --server {fixture.BaseUrl} --client-id {fixture.ClientId} --key {fixture.KeyFile} --group ID",
            result.Output.Replace("\n", "", StringComparison.Ordinal),
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task Groups_Json_MembersAddUpToThePopulation()
    {
        var result = await new CliRunner().RunAsync(["groups", .. fixture.Credentials(), "--json"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var groups = JsonDocument.Parse(result.Output).RootElement.EnumerateArray().ToList();
        Assert.NotEmpty(groups);
        Assert.All(groups, g => Assert.False(string.IsNullOrEmpty(g.GetProperty("id").GetString())));
    }

    [Fact]
    public async Task Groups_NoToken_AuthenticationOrServerRefusal()
    {
        var result = await new CliRunner().RunAsync("groups", "--server", fixture.BaseUrl);

        // The server requires a token: without credentials it answers 401 with an OperationOutcome.
        Assert.Contains(result.ExitCode, new[] { 4, 5 });
        Assert.Contains("401", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Groups_NoCredentialsOnAServerThatNeedsThem_Exit4SuggestingClientIdAndKey()
    {
        var result = await new CliRunner().AsPipe().RunAsync("groups", "--server", fixture.BaseUrl);

        Assert.True(result.ExitCode == 4, result.ToString());
        var error = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(@"^error: http://\S+ answered 401 Unauthorized.*; the server needs credentials: give --client-id and --key \(see 'fhir-bulk keygen'\)$", error);
    }
}
