using FhirBulk.Cli.Tests.Infrastructure;

namespace FhirBulk.Cli.Tests.Commands;

/// <summary>
/// A user mistake is told in the user's terms: one error line, positions counted from 1, none of .NET's internals
/// (issue #10: "LineNumber: 0 | BytePositionInLine: 149", "(Parameter 'x')", exception type names).
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class NoInternalsTests(ServerFixture fixture) : IDisposable
{
    private static readonly string[] Internals = ["LineNumber:", "BytePositionInLine", "(Parameter '", "Actual value was", "Exception:"];

    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task Export_KeyFileThatIsNeitherPemNorJson_SaysSoInPlainWords()
    {
        var result = await new CliRunner().AsPipe().RunAsync(
            "export", "--server", fixture.BaseUrl, "--client-id", fixture.ClientId, "--key", temp.Write("k.pem", "not a pem\n"), "--out", temp.File("e"));

        AssertPlainError(result, 3, "not a PEM key");
        Assert.Contains("(line 1, byte ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_PublicJwksGivenAsTheKey_SaysItHoldsNoPrivateKey()
    {
        var jwks = temp.Write("jwks.json", FhirBulk.Auth.KeyGenerator.Generate("ES384").PublicJwks);

        var result = await new CliRunner().AsPipe().RunAsync(
            "export", "--server", fixture.BaseUrl, "--client-id", fixture.ClientId, "--key", jwks, "--out", temp.File("e"));

        AssertPlainError(result, 3, "private key");
    }

    [Fact]
    public async Task View_ViewDefinitionCutShort_NamesFileAndPositionFromOne()
    {
        var view = temp.Write("v.json", """{"resourceType":"ViewDefinition","resource":"Patient",""");

        var result = await new CliRunner().AsPipe().RunAsync("view", "--input", temp.Write("Patient.ndjson", """{"resourceType":"Patient","id":"a"}"""), "--view", view);

        AssertPlainError(result, 3, "v.json");
        Assert.Contains("(line 1, byte", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_PortOutOfRange_UsageErrorWithoutParameterName()
    {
        var result = await new CliRunner().AsPipe().RunAsync("serve", "--no-auth", "--port", "99999");

        AssertPlainError(result, 2, "Port");
    }

    [Fact]
    public async Task Query_NoSql_SaysNoSqlWasGiven()
    {
        var result = await new CliRunner().AsPipe().RunAsync("query", "--db", temp.File("w.duckdb"));

        AssertPlainError(result, 2, "no SQL given");
    }

    private static void AssertPlainError(CliResult result, int code, string expected)
    {
        Assert.True(result.ExitCode == code, result.ToString());
        var errors = result.Error.Split('\n').Where(l => l.StartsWith("error: ", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 1, result.ToString());
        Assert.Contains(expected, errors[0], StringComparison.Ordinal);
        Assert.All(Internals, internals => Assert.DoesNotContain(internals, result.Error, StringComparison.Ordinal));
    }
}
