using System.CommandLine;
using FhirBulk.Cli.Settings;

namespace FhirBulk.Cli.Tests.Settings;

public sealed class ConnectionResolverTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("fhir-bulk-settings-").FullName;
    private readonly Dictionary<string, string> environment = new(StringComparer.Ordinal);

    public ConnectionResolverTests() =>
        environment[ConnectionResolver.ProfileFileVariable] = Path.Combine(folder, "profiles.json");

    [Fact]
    public void Resolve_OptionEnvironmentAndProfile_OptionWins()
    {
        WriteProfiles("""{"profiles": {"default": {"server": "http://profile/fhir", "scope": "system/*.rs"}}}""");
        environment[ConnectionResolver.ServerVariable] = "http://environment/fhir";

        var settings = Resolve("--server", "http://option/fhir");

        Assert.Equal(new Uri("http://option/fhir"), settings.Server);
        Assert.Equal("system/*.rs", settings.Scope);
    }

    [Fact]
    public void Resolve_EnvironmentAndProfile_EnvironmentWins()
    {
        WriteProfiles("""{"profiles": {"default": {"server": "http://profile/fhir"}}}""");
        environment[ConnectionResolver.ServerVariable] = "http://environment/fhir";

        Assert.Equal(new Uri("http://environment/fhir"), Resolve().Server);
    }

    [Fact]
    public void Resolve_NamedProfile_KeyFileRelativeToProfileFile()
    {
        File.WriteAllText(Path.Combine(folder, "key.pem"), "not a real key");
        WriteProfiles("""
            {"profiles": {"sandbox": {"server": "https://sandbox.example/fhir", "clientId": "c1", "keyFile": "key.pem", "kid": "k1"}}}
            """);

        var settings = Resolve("--profile", "sandbox");

        Assert.Equal("c1", settings.ClientId);
        Assert.Equal(Path.Combine(folder, "key.pem"), settings.KeyFile);
        Assert.Equal("k1", settings.Kid);
    }

    [Fact]
    public void Resolve_ProfileWithInlinePrivateKey_RejectedNamingTheField()
    {
        WriteProfiles("""{"profiles": {"default": {"server": "http://s/fhir", "privateKey": "-----BEGIN"}}}""");

        var error = Assert.Throws<CliException>(() => Resolve());

        Assert.Contains("privateKey", error.Message, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.InvalidInput, error.ExitCode);
    }

    [Fact]
    public void Resolve_PrivateKeyFromEnvironment_UsedWhenNoKeyFile()
    {
        environment[ConnectionResolver.PrivateKeyVariable] = "-----BEGIN PRIVATE KEY-----";

        var settings = Resolve("--server", "http://s/fhir", "--client-id", "c1");

        Assert.Null(settings.KeyFile);
        Assert.Equal("-----BEGIN PRIVATE KEY-----", settings.PrivateKey);
        Assert.DoesNotContain("BEGIN", settings.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_NoServerAnywhere_UsageErrorNamingAllSources()
    {
        var error = Assert.Throws<CliException>(() => Resolve());

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Contains("FHIR_BULK_SERVER", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_MissingKeyFile_InvalidInputNamingThePath()
    {
        var missing = Path.Combine(folder, "missing.pem");

        var error = Assert.Throws<CliException>(() => Resolve("--server", "http://s/fhir", "--client-id", "c", "--key", missing));

        Assert.Equal(ExitCodes.InvalidInput, error.ExitCode);
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_ClientIdWithoutKey_UsageError()
    {
        var error = Assert.Throws<CliException>(() => Resolve("--server", "http://s/fhir", "--client-id", "c"));

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("ftp://s/fhir")]
    public void Resolve_ServerNotHttp_UsageError(string server)
    {
        var error = Assert.Throws<CliException>(() => Resolve("--server", server));

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
    }

    [Fact]
    public void Resolve_UnknownProfileName_ListsTheProfilesThere()
    {
        WriteProfiles("""{"profiles": {"a": {}, "b": {}}}""");

        var error = Assert.Throws<CliException>(() => Resolve("--profile", "c"));

        Assert.Contains("a, b", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private ConnectionSettings Resolve(params string[] args)
    {
        var options = new ConnectionOptions();
        var command = new RootCommand();
        options.AddTo(command);
        var parseResult = command.Parse(args);
        Assert.Empty(parseResult.Errors);
        return new ConnectionResolver(name => environment.TryGetValue(name, out var v) ? v : null)
            .Resolve(parseResult, options);
    }

    private void WriteProfiles(string json) =>
        File.WriteAllText(environment[ConnectionResolver.ProfileFileVariable], json);
}
