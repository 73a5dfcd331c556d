using System.Text.Json;
using FhirBulk.Cli.Tests.Infrastructure;

namespace FhirBulk.Cli.Tests.Commands;

[Collection(ServerCollection.Name)]
public sealed class KeygenCommandTests(ServerFixture fixture) : IDisposable
{
    private readonly TempFolder temp = new();

    [Fact]
    public async Task Keygen_Rs384_PemAndJwksThatTheServerAccepts()
    {
        var result = await new CliRunner().RunAsync("keygen", "--out", temp.Path);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith("-----BEGIN", await File.ReadAllTextAsync(temp.File("private-key.pem")), StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(temp.File("private-key.pem")));
        }

        var jwks = await File.ReadAllTextAsync(temp.File("jwks.json"));
        var key = JsonDocument.Parse(jwks).RootElement.GetProperty("keys")[0];
        Assert.Equal("RS384", key.GetProperty("alg").GetString());
        Assert.False(key.TryGetProperty("d", out _), "the public JWKS must not carry the private exponent");

        var clientId = fixture.Server.RegisterClient(jwks);
        var groups = await new CliRunner().RunAsync("groups", "--server", fixture.BaseUrl, "--client-id", clientId, "--key", temp.File("private-key.pem"));
        Assert.True(groups.ExitCode == 0, groups.ToString());
    }

    [Fact]
    public async Task Keygen_Es384Json_ReportsAlgorithmKidAndPaths()
    {
        var result = await new CliRunner().RunAsync("keygen", "--alg", "ES384", "--out", temp.Path, "--json");

        var json = JsonDocument.Parse(result.Output).RootElement;
        Assert.Equal("ES384", json.GetProperty("algorithm").GetString());
        Assert.Equal(
            json.GetProperty("kid").GetString(),
            JsonDocument.Parse(await File.ReadAllTextAsync(temp.File("jwks.json"))).RootElement.GetProperty("keys")[0].GetProperty("kid").GetString());
    }

    [Fact]
    public async Task Keygen_KeyAlreadyThere_RefusesWithoutForce()
    {
        await new CliRunner().RunAsync("keygen", "--out", temp.Path);
        var first = await File.ReadAllTextAsync(temp.File("private-key.pem"));

        var again = await new CliRunner().RunAsync("keygen", "--out", temp.Path);
        var forced = await new CliRunner().RunAsync("keygen", "--out", temp.Path, "--force");

        Assert.Equal(3, again.ExitCode);
        Assert.Contains("--force", again.Error, StringComparison.Ordinal);
        Assert.Equal(0, forced.ExitCode);
        Assert.NotEqual(first, await File.ReadAllTextAsync(temp.File("private-key.pem")));
    }

    public void Dispose() => temp.Dispose();
}
