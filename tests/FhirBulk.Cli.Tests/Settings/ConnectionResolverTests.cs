using System.CommandLine;
using System.Text.Json.Nodes;
using FhirBulk.Cli.Settings;
using FhirBulk.Export;

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
    [InlineData("http://alice:s3cret@s/fhir")]
    [InlineData("https://alice:s3cret@s:notaport/fhir")]
    [InlineData("alice:s3cret@s/fhir")]
    public void Resolve_ServerWithUserInfo_UsageErrorWithoutRepeatingIt(string server)
    {
        var error = Assert.Throws<CliException>(() => Resolve("--server", server));

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.StartsWith("--server: FHIR server URLs must not carry credentials (user:password@)", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_EnvironmentServerWithUserInfo_UsageErrorNamingTheVariable()
    {
        environment[ConnectionResolver.ServerVariable] = "http://alice:s3cret@s/fhir";

        var error = Assert.Throws<CliException>(() => Resolve());

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.StartsWith("FHIR_BULK_SERVER: FHIR server URLs must not carry credentials", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_ProfileServerWithUserInfo_UsageErrorNamingTheProfile()
    {
        WriteProfiles("""{"profiles": {"default": {"server": "http://alice:s3cret@s/fhir"}}}""");

        var error = Assert.Throws<CliException>(() => Resolve());

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.StartsWith("the profile's \"server\": FHIR server URLs must not carry credentials", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", error.Message, StringComparison.Ordinal);
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
    public void Resolve_ProfileServerOfWrongType_PositionAtTheStartOfTheValue()
    {
        WriteProfiles("""{"profiles":{"default":{"server":42}}}""");

        var error = Assert.Throws<CliException>(() => Resolve());

        Assert.EndsWith("profiles.json:1:34: $.profiles.default.server: a value of the wrong type", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_ProfileFileThatIsAnArray_PositionAtTheBracket()
    {
        WriteProfiles("[]");

        var error = Assert.Throws<CliException>(() => Resolve());

        Assert.EndsWith("profiles.json:1:1: $: a value of the wrong type", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_ProfileWithInlinePrivateKeyOnItsOwnLine_PositionAtTheMemberName()
    {
        WriteProfiles("{\n  \"profiles\": {\n    \"default\": {\n      \"privateKey\": \"-----BEGIN\"\n    }\n  }\n}\n");

        var error = Assert.Throws<CliException>(() => Resolve());

        Assert.Contains("profiles.json:4:7: $.profiles.default.privateKey: unknown member", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_EmptyProfileFile_SaysTheFileIsEmpty()
    {
        WriteProfiles("");

        var error = Assert.Throws<CliException>(() => Resolve());

        Assert.Matches(@"^profile file \S+profiles\.json is empty: it needs \{""profiles"": ", error.Message);
        Assert.Equal(ExitCodes.InvalidInput, error.ExitCode);
    }

    [Fact]
    public void Resolve_TruncatedProfileFile_SaysItEndsBeforeItsJsonIsComplete()
    {
        WriteProfiles("""{"profiles": {"default": {"server": "http://s/fhir"}""");

        var error = Assert.Throws<CliException>(() => Resolve());

        Assert.Matches(@"^profile file \S+profiles\.json ends before its JSON is complete", error.Message);
        Assert.DoesNotContain("depth", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"profiles":x}""", ":1:13: $.profiles: 'x' is an invalid start of a value")]
    [InlineData("""{"profiles":{}} junk""", ":1:17: $: 'j' is invalid after a single JSON value")]
    public void Resolve_ProfileFileSyntaxError_OneLineWithoutTheParsersPathOrPosition(string text, string expected)
    {
        WriteProfiles(text);

        var error = Assert.Throws<CliException>(() => Resolve());

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Path:", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("|", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_ProfileFileWithByteOrderMark_Read()
    {
        File.WriteAllBytes(environment[ConnectionResolver.ProfileFileVariable], [0xEF, 0xBB, 0xBF, .. System.Text.Encoding.UTF8.GetBytes("""{"profiles": {"default": {"server": "http://s/fhir"}}}""")]);

        Assert.Equal(new Uri("http://s/fhir"), Resolve().Server);
    }

    [Fact]
    public void Resolve_UnknownProfileName_ListsTheProfilesThere()
    {
        WriteProfiles("""{"profiles": {"a": {}, "b": {}}}""");

        var error = Assert.Throws<CliException>(() => Resolve("--profile", "c"));

        Assert.Contains("a, b", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_ResumedFolder_EachSourceOverridesTheOnesBelow()
    {
        var recorded = Recorded(new JsonObject { ["Server"] = "http://folder/fhir/", ["Scope"] = "folder" });
        WriteProfiles("""
            {"profiles": {"default": {"server": "http://folder/fhir", "scope": "default"}, "chosen": {"scope": "chosen"}}}
            """);

        var fromFolder = Resolve(recorded).Scope;
        var fromSelectedProfile = Resolve(recorded, "--profile", "chosen").Scope;
        environment[ConnectionResolver.ProfileVariable] = "chosen";
        var fromProfileInEnvironment = Resolve(recorded).Scope;
        environment[ConnectionResolver.ScopeVariable] = "environment";
        var fromEnvironment = Resolve(recorded, "--profile", "chosen").Scope;
        var fromOption = Resolve(recorded, "--profile", "chosen", "--scope", "option").Scope;

        Assert.Equal(
            new[] { "folder", "chosen", "chosen", "environment", "option" },
            new[] { fromFolder, fromSelectedProfile, fromProfileInEnvironment, fromEnvironment, fromOption });
    }

    [Fact]
    public void Resolve_FolderOfAnotherServerThanTheDefaultProfile_NoneOfThatProfileIsUsed()
    {
        File.WriteAllText(Path.Combine(folder, "default.pem"), "not a real key");
        WriteProfiles("""
            {"profiles": {"default": {"server": "http://default/fhir", "clientId": "c1", "keyFile": "default.pem", "scope": "s1"}}}
            """);

        var settings = Resolve(Recorded(new JsonObject { ["Server"] = "http://open/fhir/" }));

        Assert.Equal(new ConnectionSettings(new Uri("http://open/fhir/"), null, null, null, null, null, null), settings);
    }

    [Fact]
    public void Resolve_FolderThatRecordedOnlyItsServer_DefaultProfileOfThatServerFillsTheRest()
    {
        File.WriteAllText(Path.Combine(folder, "default.pem"), "not a real key");
        WriteProfiles("""
            {"profiles": {"default": {"server": "http://s/fhir", "clientId": "c1", "keyFile": "default.pem", "kid": "k1"}}}
            """);

        var settings = Resolve(Recorded(new JsonObject { ["Server"] = "http://s/fhir/" }));

        Assert.Equal(("c1", Path.Combine(folder, "default.pem"), "k1"), (settings.ClientId, settings.KeyFile, settings.Kid));
    }

    [Fact]
    public void Resolve_FolderWithKeyFile_ThatKeyAndItsKid()
    {
        var key = Path.Combine(folder, "key.pem");
        File.WriteAllText(key, "not a real key");

        var settings = Resolve(Recorded(new JsonObject { ["Server"] = "http://s/fhir/", ["ClientId"] = "c1", ["KeyFile"] = key, ["KeyId"] = "k1", ["Scope"] = "system/*.rs" }));

        Assert.Equal(("c1", key, "k1", "system/*.rs"), (settings.ClientId, settings.KeyFile, settings.Kid, settings.Scope));
    }

    [Fact]
    public void Resolve_FolderWithKeyFile_AnotherKeyGiven_RecordedKidNotAppliedToIt()
    {
        var recordedKey = Path.Combine(folder, "old.pem");
        var newKey = Path.Combine(folder, "new.pem");
        File.WriteAllText(recordedKey, "not a real key");
        File.WriteAllText(newKey, "not a real key");

        var settings = Resolve(Recorded(new JsonObject { ["Server"] = "http://s/fhir/", ["ClientId"] = "c1", ["KeyFile"] = recordedKey, ["KeyId"] = "old-kid" }), "--key", newKey);

        Assert.Equal(("c1", newKey, (string?)null), (settings.ClientId, settings.KeyFile, settings.Kid));
    }

    [Fact]
    public void Resolve_FolderWithKeyFileThatIsGone_InvalidInputNamingItAndKey()
    {
        var gone = Path.Combine(folder, "gone.pem");

        var error = Assert.Throws<CliException>(() => Resolve(Recorded(new JsonObject { ["Server"] = "http://s/fhir/", ["ClientId"] = "c1", ["KeyFile"] = gone, ["KeyId"] = "k1" })));

        Assert.Equal(ExitCodes.InvalidInput, error.ExitCode);
        Assert.Contains(gone, error.Message, StringComparison.Ordinal);
        Assert.Contains("--key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_FolderWithKeyFromText_KeyTextSetAgain_UsedWithTheRecordedKid()
    {
        environment[ConnectionResolver.PrivateKeyVariable] = "-----BEGIN PRIVATE KEY-----";

        var settings = Resolve(Recorded(new JsonObject { ["Server"] = "http://s/fhir/", ["ClientId"] = "c1", ["KeyId"] = "k1" }));

        Assert.Equal(("c1", null, "-----BEGIN PRIVATE KEY-----", "k1"), (settings.ClientId, settings.KeyFile, settings.PrivateKey, settings.Kid));
    }

    [Fact]
    public void Resolve_FolderWithKeyFromText_KeyTextNotSet_UsageErrorSayingToSetItAgain()
    {
        var error = Assert.Throws<CliException>(() => Resolve(Recorded(new JsonObject { ["Server"] = "http://s/fhir/", ["ClientId"] = "c1", ["KeyId"] = "k1" })));

        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Contains($"set {ConnectionResolver.PrivateKeyVariable} again", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private ConnectionSettings Resolve(params string[] args) => Resolve(null, args);

    private ConnectionSettings Resolve(ExportFolderSettings? recorded, params string[] args)
    {
        var options = new ConnectionOptions();
        var command = new RootCommand();
        options.AddTo(command);
        var parseResult = command.Parse(args);
        Assert.Empty(parseResult.Errors);
        return new ConnectionResolver(name => environment.TryGetValue(name, out var v) ? v : null)
            .Resolve(parseResult, options, recorded);
    }

    /// <summary>What an export folder whose state file holds <paramref name="state"/> recorded.</summary>
    private ExportFolderSettings Recorded(JsonObject state)
    {
        var exportFolder = Directory.CreateDirectory(Path.Combine(folder, "export-" + Guid.NewGuid().ToString("N"))).FullName;
        File.WriteAllText(Path.Combine(exportFolder, ".fhir-bulk-state.json"), state.ToJsonString());
        return BulkDataClient.ReadExportSettings(exportFolder);
    }

    private void WriteProfiles(string json) =>
        File.WriteAllText(environment[ConnectionResolver.ProfileFileVariable], json);
}
