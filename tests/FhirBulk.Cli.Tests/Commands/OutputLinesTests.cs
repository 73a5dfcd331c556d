using FhirBulk.Cli.Tests.Infrastructure;

namespace FhirBulk.Cli.Tests.Commands;

/// <summary>
/// Output to a pipe or a file, where Spectre assumes 80 columns: errors, warnings and hints stay
/// one line each, so a URL, a path or a command can be copied and a script can read them.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class OutputLinesTests(ServerFixture fixture) : IDisposable
{
    private readonly TempFolder temp = new();

    // Longer than 80 columns on its own.
    private string LongFolder => Directory.CreateDirectory(temp.File("a-folder-whose-name-is-long-enough-to-pass-eighty-columns-by-itself")).FullName;

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task Export_UnreachableLongUrlOnAPipe_ErrorUrlAndRunAgainHintOnOneLineEach()
    {
        var url = ServerFixture.UnusedServerUrl().TrimEnd('/') + "/fhir/a-long-path-segment-that-makes-the-url-longer-than-eighty-columns/";
        var folder = Path.Combine(LongFolder, "export");

        var result = await new CliRunner().AsPipe().RunAsync("export", "--server", url, "--retries", "0", "--out", folder);

        Assert.True(result.ExitCode == 5, result.ToString());
        AssertOneLine(result.Error, "error: ", url.TrimEnd('/'));
        AssertOneLine(result.Error, "The server started nothing and ", folder);
    }

    [Fact]
    public async Task Export_UnknownClientOnAPipe_OAuthErrorOnceOnOneLineWithoutLoggerLines()
    {
        var result = await new CliRunner().AsPipe().RunAsync(
            "export", "--server", fixture.BaseUrl, "--client-id", "nobody-with-a-long-client-id-to-pass-eighty-columns", "--key", fixture.KeyFile, "--out", temp.File("e"));

        Assert.True(result.ExitCode == 4, result.ToString());
        AssertOneLine(result.Error, "error: ", "invalid_client");
        Assert.Equal(2, result.Error.Split("invalid_client").Length);
        Assert.DoesNotContain("FhirBulk.", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_UnknownClientVerbose_LoggerLinesNameTheirCategory()
    {
        var result = await new CliRunner().AsPipe().RunAsync(
            "export", "--verbose", "--server", fixture.BaseUrl, "--client-id", "nobody", "--key", fixture.KeyFile, "--out", temp.File("e"));

        Assert.True(result.ExitCode == 4, result.ToString());
        Assert.Contains("dbug: FhirBulk.", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_MissingKeyFileWithALongPathOnAPipe_ErrorOnOneLine()
    {
        var missing = Path.Combine(LongFolder, "no-such-private-key.pem");

        var result = await new CliRunner().AsPipe().RunAsync("export", "--server", fixture.BaseUrl, "--client-id", fixture.ClientId, "--key", missing, "--out", temp.File("e"));

        Assert.True(result.ExitCode == 3, result.ToString());
        AssertOneLine(result.Error, "error: ", missing);
    }

    [Fact]
    public async Task Keygen_LongFolderOnAPipe_ExportHintOnOneLine()
    {
        var folder = LongFolder;

        var result = await new CliRunner().AsPipe().RunAsync("keygen", "--out", folder);

        Assert.True(result.ExitCode == 0, result.ToString());
        AssertOneLine(result.Output, "  fhir-bulk export --server URL --client-id ID --key ", Path.Combine(folder, "private-key.pem"));
    }

    [Fact]
    public async Task Groups_OnAPipe_ExportHintOnOneLineWithTheCredentials()
    {
        var result = await new CliRunner().AsPipe().RunAsync("groups", "--server", fixture.BaseUrl, "--client-id", fixture.ClientId, "--key", fixture.KeyFile);

        Assert.True(result.ExitCode == 0, result.ToString());
        AssertOneLine(
            result.Output,
            "",
            $"Export one with: fhir-bulk export --server {fixture.BaseUrl} --client-id {fixture.ClientId} --key {fixture.KeyFile} --group ID");
    }

    [Fact]
    public async Task Query_JsonFileAsDatabase_InvalidInputSayingItIsNotDuckDb()
    {
        var jwks = temp.Write("jwks.json", """{"keys":[]}""");

        var result = await new CliRunner().AsPipe().RunAsync("query", "--db", jwks, "SELECT 1");

        Assert.Equal(3, result.ExitCode);
        AssertOneLine(result.Error, "error: ", $"{jwks} is not a DuckDB database.");
    }

    [Fact]
    public async Task Export_ProfileWithAKeyInIt_OneLineNamingLineColumnAndMember()
    {
        var profiles = temp.Write("profiles.json", "{\n  \"profiles\": {\"default\": {\"server\": \"http://x/\", \"privateKey\": \"k\"}}\n}");

        var result = await new CliRunner().AsPipe().WithEnvironment("FHIR_BULK_PROFILE_FILE", profiles).RunAsync("export", "--out", temp.File("e"));

        Assert.True(result.ExitCode == 3, result.ToString());
        AssertOneLine(result.Error, "error: ", $"{profiles}:2:");
        Assert.Contains("$.profiles.default.privateKey: unknown member", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(".NET", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("BytePositionInLine", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_JwkWithBadBase64_NamesTheMemberWithoutIdentityModelCodes()
    {
        var key = temp.Write("key.json", """{"kty":"RSA","kid":"k","n":"!!!","e":"AQAB","d":"!!!"}""");

        var result = await new CliRunner().AsPipe().RunAsync("export", "--server", fixture.BaseUrl, "--client-id", fixture.ClientId, "--key", key, "--out", temp.File("e"));

        Assert.True(result.ExitCode == 3, result.ToString());
        AssertOneLine(result.Error, "error: ", "is not base64url");
        Assert.DoesNotContain("IDX", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("PII", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeygenInspectInfoAndExport_OnAPipe_NoLineEndsInABlank()
    {
        var keygen = await new CliRunner().AsPipe().RunAsync("keygen", "--out", temp.File("keys"));
        var inspect = await new CliRunner().AsPipe().RunAsync("inspect", SmallExport.Write(temp));
        var info = await new CliRunner().AsPipe().RunAsync("info", "--server", fixture.BaseUrl);
        var export = await new CliRunner().AsPipe().RunAsync(
            "export", "--server", fixture.BaseUrl, "--client-id", fixture.ClientId, "--key", fixture.KeyFile, "--type", "Patient", "--out", temp.File("e"));

        foreach (var result in new[] { keygen, inspect, info, export })
        {
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Contains("\n", result.Output.TrimEnd(), StringComparison.Ordinal);
            AssertNoTrailingBlanks(result.Output);
            AssertNoTrailingBlanks(result.Error);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GroupsAt40Columns_EachGroupOneRowItsIdWholeOrCutWithAnEllipsis(bool terminal)
    {
        var args = new[] { "groups", "--server", fixture.BaseUrl, "--client-id", fixture.ClientId, "--key", fixture.KeyFile };
        var json = await new CliRunner().RunAsync([.. args, "--json"]);
        var ids = System.Text.Json.JsonDocument.Parse(json.Output).RootElement.EnumerateArray().Select(g => g.GetProperty("id").GetString()!).ToList();

        var result = await Narrow(terminal).RunAsync(args);

        Assert.True(result.ExitCode == 0, result.ToString());
        var rows = TableRows(result.Output);
        Assert.Equal(ids.Count, rows.Count);
        Assert.All(ids.Zip(rows), pair => AssertWholeOrCut(pair.First, pair.Second.Split('│', StringSplitOptions.TrimEntries)[1]));
        AssertNoTrailingBlanks(result.Output);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task InspectAt40Columns_EachTypeOneRowItsNumbersNeverSplit(bool terminal)
    {
        var folder = SmallExport.Write(temp);
        var json = await new CliRunner().RunAsync("inspect", folder, "--json");
        var types = System.Text.Json.JsonDocument.Parse(json.Output).RootElement.GetProperty("files").EnumerateArray()
            .Select(f => f.GetProperty("type").ToString()).Distinct(StringComparer.Ordinal).Count();

        var result = await Narrow(terminal).RunAsync("inspect", folder);

        Assert.True(result.ExitCode == 0, result.ToString());
        // A type's row and the Total row, each one line: a number cut to fit ends in …, never goes on below.
        Assert.Equal(types + 1, TableRows(result.Output).Count);
        AssertNoTrailingBlanks(result.Output);

    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task KeygenAt40Columns_KidAndPathsOneLineEachWholeOrCutWithAnEllipsis(bool terminal)
    {
        var folder = LongFolder;

        var result = await Narrow(terminal).RunAsync("keygen", "--out", folder);

        Assert.True(result.ExitCode == 0, result.ToString());
        var kid = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(folder, "jwks.json"))).RootElement
            .GetProperty("keys")[0].GetProperty("kid").GetString()!;
        var lines = result.Output.ReplaceLineEndings("\n").Split('\n');
        string Value(string label) => Assert.Single(lines, l => l.StartsWith(label + " ", StringComparison.Ordinal))[label.Length..].Trim();
        AssertWholeOrCut(kid, Value("kid"));
        AssertWholeOrCut(Path.Combine(folder, "private-key.pem"), Value("Private key"));
        AssertWholeOrCut(Path.Combine(folder, "jwks.json"), Value("Public JWKS"));
        AssertNoTrailingBlanks(result.Output);
    }

    private static CliRunner Narrow(bool terminal) =>
        terminal ? new CliRunner().AsTerminal().WithTerminalWidth(40) : new CliRunner().AsPipe().WithEnvironment("COLUMNS", "40");

    /// <summary>The body rows of the first table in <paramref name="text"/>: the lines between its header's rule and its bottom edge.</summary>
    private static List<string> TableRows(string text)
    {
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        var rule = Array.FindIndex(lines, l => l.StartsWith('├'));
        var bottom = Array.FindIndex(lines, l => l.StartsWith('╰'));
        Assert.True(rule > 0 && bottom > rule, text);
        return [.. lines[(rule + 1)..bottom]];
    }

    /// <summary>The transactionTime below inspect's table is a value a user copies: whole or cut, never wrapped onto a second line.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task InspectAt40Columns_TransactionTimeOneLineWholeOrCut(bool terminal)
    {
        await using var server = await FhirBulk.Server.BulkDataServer.StartAsync(new FhirBulk.Server.BulkDataServerOptions { Patients = 2, Seed = 5, RequireAuth = false });
        var folder = temp.File("export");
        var export = await new CliRunner().RunAsync("export", "--server", server.BaseUri.AbsoluteUri, "--out", folder, "--quiet");
        Assert.True(export.ExitCode == 0, export.ToString());
        var json = await new CliRunner().RunAsync("inspect", folder, "--json");
        var time = System.Text.Json.JsonDocument.Parse(json.Output).RootElement.GetProperty("transactionTime").GetString()!;

        var result = await Narrow(terminal).RunAsync("inspect", folder);

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Output.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var at = lines.FindIndex(l => l.StartsWith("transactionTime ", StringComparison.Ordinal));
        AssertWholeOrCut(time, lines[at]["transactionTime".Length..].Trim());
        Assert.False(at + 1 < lines.Count && lines[at + 1].StartsWith(' '), $"the transactionTime went on below: '{lines[at + 1]}'");
    }

    private static void AssertWholeOrCut(string value, string cell) =>
        Assert.True(cell == value || (cell.EndsWith('…') && value.StartsWith(cell[..^1], StringComparison.Ordinal)), $"'{cell}' is neither '{value}' nor a cut of it");

    private static void AssertNoTrailingBlanks(string text)
    {
        var padded = text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.EndsWith(' ')).ToList();
        Assert.True(padded.Count == 0, $"{padded.Count} line(s) end in a blank, the first '{padded.FirstOrDefault()}':\n{text}");
    }

    /// <summary>Some line starts with <paramref name="start"/> and holds all of <paramref name="whole"/>.</summary>
    private static void AssertOneLine(string text, string start, string whole)
    {
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r'));
        Assert.True(
            lines.Any(l => l.StartsWith(start, StringComparison.Ordinal) && l.Contains(whole, StringComparison.Ordinal)),
            $"no line starting with '{start}' holds '{whole}':\n{text}");
    }
}
