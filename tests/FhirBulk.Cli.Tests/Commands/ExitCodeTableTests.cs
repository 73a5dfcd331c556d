using System.IO.Compression;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using FhirBulk.Auth;
using FhirBulk.Cli.Tests.Infrastructure;
using FhirBulk.Server;

namespace FhirBulk.Cli.Tests.Commands;

/// <summary>
/// docs/cli.md's exit-code table, row by row: every example it gives is run as a user would run it
/// (the whole command, in-process, against the embedded server on 127.0.0.1) and must end with the
/// documented code, one <c>error:</c> line when it failed (none when the work finished: 0, 6, 7), and
/// output that names the cause. Scripts branch on these codes, and exit 1 means "a bug in fhir-bulk":
/// no user mistake or environment problem may end there.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed partial class ExitCodeTableTests(ServerFixture fixture) : IDisposable
{
    private readonly ServerFixture fixture = fixture;
    private readonly TempFolder temp = new();

    /// <summary>
    /// One example of the table: what it is (the first theory argument, so a failure names the row), its code, what the
    /// output must mention so that the code comes from this cause and not another (a file, an option, an OAuth error),
    /// and how to make it happen.
    /// </summary>
    private sealed record Example(string Name, int Code, string? Mentions, Func<ExitCodeTableTests, Task<CliResult>> Run);

    private static readonly Example[] Examples = [.. CreateExamples()];

    public static TheoryData<string, int> Rows()
    {
        var rows = new TheoryData<string, int>();
        foreach (var example in Examples)
        {
            rows.Add(example.Name, example.Code);
        }

        return rows;
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public async Task Example_EndsWithItsDocumentedExitCode(string example, int documentedCode)
    {
        var row = Examples.Single(e => e.Name == example);
        var result = await row.Run(this);

        Assert.True(result.ExitCode == documentedCode, $"{example}: expected exit {documentedCode}\n{result}");
        var errorLines = result.Error.Split('\n').Count(l => l.TrimStart().StartsWith("error:", StringComparison.Ordinal));
        // A failure is one line per error; work that finished (0, 6, 7) reports problems as warnings, not errors.
        var expectedErrorLines = documentedCode is 0 or 6 or 7 ? 0 : 1;
        Assert.True(errorLines == expectedErrorLines, $"{example}: expected {expectedErrorLines} 'error:' line(s) on stderr, got {errorLines}\n{result}");
        if (row.Mentions is { } cause)
        {
            // The consoles wrap long lines at spaces.
            var said = Whitespace().Replace(result.Output + " " + result.Error, " ");
            Assert.True(said.Contains(cause, StringComparison.Ordinal), $"{example}: the output does not mention '{cause}'\n{result}");
        }
    }

    [Fact]
    public void Table_EveryDocumentedCodeHasAnExampleAndEveryExampleADocumentedCode()
    {
        var documented = DocumentedCodes();

        // The table and ExitCodes.cs name the same codes.
        var constants = typeof(ExitCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral).Select(f => (int)f.GetRawConstantValue()!).Order().ToList();
        Assert.Equal(constants, documented);

        // Exit 1 is a bug: no example may end there, and it is the only code without one.
        Assert.DoesNotContain(Examples, e => e.Code == ExitCodes.InternalError);
        var exercised = Examples.Select(e => e.Code).ToHashSet();
        var untested = documented.Where(c => c != ExitCodes.InternalError && !exercised.Contains(c)).ToList();
        Assert.True(untested.Count == 0, $"codes in docs/cli.md's table that no example here ends with: {string.Join(", ", untested)}");
        var undocumented = exercised.Where(c => !documented.Contains(c)).ToList();
        Assert.True(undocumented.Count == 0, $"codes expected here that docs/cli.md's table does not list: {string.Join(", ", undocumented)}");
    }

    public void Dispose() => temp.Dispose();

    private static IEnumerable<Example> CreateExamples()
    {
        // 0: success.
        yield return new("0 an export", 0, "Export complete.", t => t.ExportAsync(t.temp.File("e"), "--type", "Patient"));
        // The server fault informationFile comes with another branch: this row runs once FaultOptions has it.
        if (typeof(FaultOptions).GetProperty("InformationFileRate") is { } informationFile)
        {
            yield return new("0 an export with information-only error files", 0, "Export complete.", t =>
            {
                var faults = new FaultOptions();
                informationFile.SetValue(faults, 1.0);
                return t.ExportFromAsync(faults, t.temp.File("e"), "--type", "Patient");
            });
        }

        // 2: the command line is wrong.
        yield return new("2 unknown option", 2, "--no-such-option", t => Run("export", "--no-such-option", "--out", t.temp.File("e")));
        yield return new("2 missing required option", 2, "--out", _ => Run("keygen"));
        yield return new("2 keygen --alg HS256", 2, "HS256", t => Run("keygen", "--alg", "HS256", "--out", t.temp.File("keys")));
        yield return new("2 no --server anywhere", 2, "--server", t => Run("export", "--out", t.temp.File("e")));
        yield return new("2 --client-id without a key", 2, "--key", t => Run("export", "--server", t.fixture.BaseUrl, "--client-id", t.fixture.ClientId, "--out", t.temp.File("e")));
        yield return new("2 view --out the --input file", 2, "is the --input file", t =>
        {
            var input = Path.Combine(t.PatientFolder(), "Patient.000.ndjson");
            return Run("view", "--input", input, "--view", WorkshopView("patients"), "--out", input);
        });
        // Not examples of the table, but user mistakes of its kind "the command line is wrong" that must not end as a bug (1).
        yield return new("2 --patient with --level system", 2, "--patient", t => t.ExportAsync(t.temp.File("e"), "--level", "system", "--patient", "p1"));
        yield return new("2 --parallel 0", 2, "--parallel", t => t.ExportAsync(t.temp.File("e"), "--parallel", "0"));

        // 3: a local file or folder is missing, invalid, or cannot be written.
        yield return new("3 key file not found", 3, "no-such-key.pem", t => Run("export", "--server", t.fixture.BaseUrl, "--client-id", t.fixture.ClientId, "--key", t.temp.File("no-such-key.pem"), "--out", t.temp.File("e")));
        yield return new("3 invalid ViewDefinition", 3, "column[0]", t => t.ViewAsync(t.PatientFolder(), t.temp.Write("bad.json", """
            {"resourceType":"ViewDefinition","name":"bad","status":"active","resource":"Patient",
             "select":[{"column":[{"name":"not a valid name","path":"id"}]}]}
            """)));
        yield return new("3 view failing on a resource, --strict", 3, "Patient.000.ndjson", t => t.ViewAsync(t.PatientFolder(), t.GivenNamesView(), "--strict"));
        yield return new("3 value not fitting its column's SQL type, view --strict", 3, "'2012-03'", t => t.ViewAsync(t.PartialBirthDateFolder(), WorkshopView("patients"), "--strict"));
        yield return new("3 unknown ansi/type", 3, "'DATETIME'", t => t.ViewAsync(t.PatientFolder(), t.temp.Write("bad-type.json", """
            {"resource":"Patient","select":[{"column":[{"name":"born","path":"birthDate","tag":[{"name":"ansi/type","value":"DATETIME"}]}]}]}
            """)));
        yield return new("3 malformed NDJSON, view --strict", 3, "MedicationRequest.000.ndjson", t => t.ViewAsync(SmallExport.Write(t.temp, withMalformedLine: true), WorkshopView("medication_requests"), "--strict"));
        yield return new("3 truncated gzip file, view --strict", 3, "Patient.000.ndjson.gz", t => t.ViewAsync(t.TruncatedGzipFolder(), WorkshopView("patients"), "--strict"));
        yield return new("3 bad SQL in query", 3, "SELEC", t => Run("query", "--db", t.Database(), "SELEC 1"));
        yield return new("3 unknown profile", 3, "nope", t => new CliRunner()
            .WithEnvironment("FHIR_BULK_PROFILE_FILE", t.temp.Write("profiles.json", $$$$"""{"profiles":{"default":{"server":"{{{{t.fixture.BaseUrl}}}}"}}}"""))
            .RunAsync("export", "--profile", "nope", "--out", t.temp.File("e")));
        yield return new("3 view-test of a file that is no test file", 3, "not-a-test.json", t => Run("view-test", t.temp.Write("not-a-test.json", "{}")));
        yield return new("3 keygen --out an existing file", 3, "exists", t => Run("keygen", "--out", t.temp.Write("taken", "x")));
        yield return new("3 generate --out an existing file", 3, "exists", t => Run("generate", "--patients", "1", "--out", t.temp.Write("taken2", "x")));
        yield return new("3 serve --clients a file that is not JSON", 3, "not-json.json", t => Run("serve", "--clients", t.temp.Write("not-json.json", "{not json")));
        yield return new("3 export into a folder locked by another export", 3, "another fhir-bulk export", t => t.ExportIntoLockedFolderAsync());
        yield return new("3 export into a folder with a foreign file", 3, "Patient.001.ndjson", t =>
        {
            var folder = t.temp.File("e");
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, "Patient.001.ndjson"), """{"resourceType":"Patient","id":"stale"}""" + "\n");
            return t.ExportAsync(folder, "--type", "Patient");
        });
        yield return new("3 export into a folder with an unfinished export", 3, "holds an unfinished export (status http", async t =>
        {
            var folder = t.temp.File("e");
            var (interrupted, credentials) = await t.InterruptedExportAsync(folder);
            Assert.True(interrupted.ExitCode == 130, interrupted.ToString());
            var refused = await Run(["export", .. credentials, "--type", "Patient", "--out", folder]);
            Assert.Contains($"resume it (fhir-bulk export --resume {folder}) or cancel it (fhir-bulk export --cancel {folder}) first.", refused.Error, StringComparison.Ordinal);
            return refused;
        });
        yield return new("3 view of an unfinished export", 3, "Resume it first: fhir-bulk export --resume", async t =>
        {
            var folder = t.temp.File("e");
            var (interrupted, _) = await t.InterruptedExportAsync(folder);
            Assert.True(interrupted.ExitCode == 130, interrupted.ToString());
            return await t.ViewAsync(folder, WorkshopView("patients"));
        });
        yield return new("3 view of a folder without NDJSON", 3, "holds no <Type>.*.ndjson files", t => t.ViewAsync(Directory.CreateDirectory(t.temp.File("empty")).FullName, WorkshopView("patients")));

        // 4: the authorization server refused the client.
        yield return new("4 wrong key: invalid_client", 4, "invalid_client", t =>
        {
            var unregistered = t.temp.Write("unregistered.pem", KeyGenerator.Generate("ES384").PrivateKeyPem);
            return Run("export", "--server", t.fixture.BaseUrl, "--client-id", t.fixture.ClientId, "--key", unregistered, "--out", t.temp.File("e"));
        });
        yield return new("4 wrong kid: invalid_client", 4, "invalid_client", t => t.ExportAsync(t.temp.File("e"), "--kid", "not-the-registered-kid"));
        yield return new("4 scope not allowed: invalid_scope", 4, "invalid_scope", t => t.ExportAsync(t.temp.File("e"), "--scope", "system/*.write"));

        // 5: the FHIR server could not be reached, failed, or rejected the request.
        yield return new("5 connection refused", 5, null, t => Run("export", "--server", ServerFixture.UnusedServerUrl(), "--retries", "0", "--out", t.temp.File("e")));
        yield return new("5 HTTP 400 and its OperationOutcome", 5, "_type 'NotAType'", t => t.ExportAsync(t.temp.File("e"), "--type", "NotAType"));

        // 6: the work finished but not everything came through.
        yield return new("6 export with error[] files", 6, "error/", t => t.ExportFromAsync(new FaultOptions { FailedFileRate = 1, Seed = 1 }, t.temp.File("e"), "--type", "Patient"));
        yield return new("6 export whose manifest count differs", 6, "Patient.001.ndjson", t => t.ExportFromAsync(new FaultOptions { MiscountRate = 1 }, t.temp.File("e"), "--type", "Patient"));
        yield return new("6 view skipping a malformed line", 6, "MedicationRequest.000.ndjson", t => t.ViewAsync(SmallExport.Write(t.temp, withMalformedLine: true), WorkshopView("medication_requests")));
        yield return new("6 view skipping a truncated gzip file", 6, "Patient.000.ndjson.gz", t => t.ViewAsync(t.TruncatedGzipFolder(), WorkshopView("patients")));
        yield return new("6 view writing null for values not fitting their column's SQL type", 6, "'2012-03'", t => t.ViewAsync(t.PartialBirthDateFolder(), WorkshopView("patients")));
        yield return new("6 view skipping a resource the view fails on", 6, "Patient.000.ndjson", t => t.ViewAsync(t.PatientFolder(), t.GivenNamesView()));
        yield return new("6 inspect of a folder with errors", 6, "error/", t =>
        {
            var folder = SmallExport.Write(t.temp);
            t.temp.Write("export/error/OperationOutcome.000.ndjson", """{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"processing"}]}""" + "\n");
            return Run("inspect", folder);
        });
        yield return new("6 inspect of an unfinished export", 6, "holds an unfinished export", async t =>
        {
            var folder = t.temp.File("e");
            var (interrupted, _) = await t.InterruptedExportAsync(folder);
            Assert.True(interrupted.ExitCode == 130, interrupted.ToString());
            var result = await Run("inspect", folder);
            // The way on, as view gives it: runnable as printed.
            Assert.Contains($"; finish it: fhir-bulk export --resume {folder}", result.Error, StringComparison.Ordinal);
            return result;
        });
        yield return new("6 inspect --verify finding a truncated file", 6, "Patient.001.ndjson", async t =>
        {
            var folder = t.temp.File("e");
            var export = await t.ExportAsync(folder, "--type", "Patient");
            Assert.True(export.ExitCode == 0, export.ToString());
            // Cut at a line boundary: the file still parses, only its recorded size and SHA-256 tell.
            var file = Directory.GetFiles(folder, "Patient.*.ndjson").Single();
            var lines = await File.ReadAllLinesAsync(file);
            await File.WriteAllLinesAsync(file, lines[..^1]);
            return await Run("inspect", "--verify", folder);
        });

        // 7: view-test ran and a test failed.
        yield return new("7 view-test with a failing test", 7, "wrong", t => Run("view-test", t.temp.Write("mine.json", """
            {"title":"mine","resources":[{"resourceType":"Patient","id":"p1"}],
             "tests":[{"title":"wrong","view":{"resource":"Patient","select":[{"column":[{"name":"id","path":"id"}]}]},"expect":[{"id":"p2"}]}]}
            """)));

        // 8: view --merge of a lake that lacks a shard.
        yield return new("8 view --merge of a lake missing a shard", 8, "0/2", async t =>
        {
            var lake = t.temp.File("lake");
            var shard = await Run("view", "--input", SmallExport.Write(t.temp), "--view", WorkshopView("patients"), "--format", "parquet", "--out", lake, "--shard", "1/2");
            Assert.True(shard.ExitCode == 0, shard.ToString());
            return await Run("view", "--merge", lake);
        });

        // 130: Ctrl-C.
        yield return new("130 export cancelled by Ctrl-C", 130, "--resume", async t => (await t.InterruptedExportAsync(t.temp.File("e"))).Result);
    }

    private static Task<CliResult> Run(params string[] args) => new CliRunner().RunAsync(args);

    private Task<CliResult> ExportAsync(string folder, params string[] options) =>
        Run(["export", .. fixture.Credentials(), "--out", folder, .. options]);

    private Task<CliResult> ExportFromAsync(FaultOptions faults, string folder, params string[] options) =>
        Run(["export", "--server", fixture.Server.BaseUriWithFaults(faults).ToString(), "--client-id", fixture.ClientId, "--key", fixture.KeyFile, "--out", folder, .. options]);

    private Task<CliResult> ViewAsync(string input, string view, params string[] options) =>
        Run(["view", "--input", input, "--view", view, "--format", "csv", "--out", temp.File("tables-" + Guid.NewGuid().ToString("N")), .. options]);

    private static string WorkshopView(string name) => Path.Combine(RepositoryPaths.Workshop, "views", name + ".json");

    /// <summary>An export holding the same lock an export takes: an OS lock on DIR/.fhir-bulk.lock, opened share-none.</summary>
    private async Task<CliResult> ExportIntoLockedFolderAsync()
    {
        var folder = temp.File("e");
        Directory.CreateDirectory(folder);
        await using var held = new FileStream(Path.Combine(folder, ".fhir-bulk.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        return await ExportAsync(folder, "--type", "Patient");
    }

    /// <summary>
    /// Ctrl-C on an export whose job the server keeps in progress: the folder is left unfinished. A client of its own, so
    /// the job it leaves running on the shared server never counts against the fixture client's concurrent exports.
    /// </summary>
    private async Task<(CliResult Result, string[] Credentials)> InterruptedExportAsync(string folder)
    {
        var pair = KeyGenerator.Generate("ES384");
        var key = temp.Write($"slow-{Guid.NewGuid():N}.pem", pair.PrivateKeyPem);
        var credentials = new[] { "--server", fixture.Server.BaseUriWithFaults(new FaultOptions { ExportDurationSeconds = 30 }).ToString(), "--client-id", fixture.Server.RegisterClient(pair.PublicJwks), "--key", key };
        using var stop = new CancellationTokenSource();
        var running = await new CliRunner().StartAsync(stop.Token, ["export", .. credentials, "--type", "Patient", "--out", folder]);
        Assert.Equal("Export: kicked off", running.FirstLine);
        await stop.CancelAsync();
        return (await running.Completion, credentials);
    }

    /// <summary>A folder with one patient who has two given names.</summary>
    // The workshop's patients view stores birthDate as a DATE, which a year and month alone are not.
    private string PartialBirthDateFolder()
    {
        var folder = temp.File("patients-" + Guid.NewGuid().ToString("N"));
        temp.Write(Path.Combine(folder, "Patient.000.ndjson"), """{"resourceType":"Patient","id":"p1","birthDate":"2012-03"}""" + "\n");
        return folder;
    }

    private string PatientFolder()
    {
        var folder = temp.File("patients-" + Guid.NewGuid().ToString("N"));
        temp.Write(Path.Combine(folder, "Patient.000.ndjson"), string.Join('\n',
            """{"resourceType":"Patient","id":"p1","name":[{"family":"Smith","given":["Ann","Marie"]}]}""",
            """{"resourceType":"Patient","id":"p2","name":[{"family":"Jones","given":["Bo"]}]}""") + "\n");
        return folder;
    }

    /// <summary>A view whose column has no collection:true, so a patient with two given names makes it fail.</summary>
    private string GivenNamesView() => temp.Write("given.json", """
        {"resourceType":"ViewDefinition","name":"given_names","status":"active","resource":"Patient",
         "select":[{"column":[{"name":"id","path":"id"},{"name":"given","path":"name.given"}]}]}
        """);

    /// <summary>
    /// A Patient.000.ndjson.gz cut where a dropped connection or a full disk can cut it: right after a flush, at a deflate
    /// block boundary, with no final block and no CRC-32/ISIZE trailer. The first two resources decode; the third is gone.
    /// </summary>
    private string TruncatedGzipFolder()
    {
        var folder = temp.File("gzip-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        using var compressed = new MemoryStream();
        byte[] cut;
        using (var gzip = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes("""
                {"resourceType":"Patient","id":"p1","gender":"female"}
                {"resourceType":"Patient","id":"p2","gender":"male"}

                """.ReplaceLineEndings("\n")));
            gzip.Flush();
            cut = compressed.ToArray();
            gzip.Write(Encoding.UTF8.GetBytes("""{"resourceType":"Patient","id":"p3","gender":"female"}""" + "\n"));
        }

        File.WriteAllBytes(Path.Combine(folder, "Patient.000.ndjson.gz"), cut);
        return folder;
    }

    /// <summary>A DuckDB database as 'view' writes it, for a query to fail on.</summary>
    private string Database()
    {
        var path = temp.File("db-" + Guid.NewGuid().ToString("N") + ".duckdb");
        using var connection = new DuckDB.NET.Data.DuckDBConnection($"Data Source={path}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "CREATE TABLE patients (id VARCHAR)";
        command.ExecuteNonQuery();
        return path;
    }

    /// <summary>The codes in the first column of docs/cli.md's "## Exit codes" table.</summary>
    private static List<int> DocumentedCodes()
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryPaths.Root, "docs", "cli.md"));
        var start = Array.IndexOf(lines, "## Exit codes");
        Assert.True(start >= 0, "docs/cli.md has no '## Exit codes' section");
        var codes = lines.Skip(start + 1)
            .TakeWhile(l => !l.StartsWith("## ", StringComparison.Ordinal))
            .Select(l => TableRow().Match(l))
            .Where(m => m.Success)
            .Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))
            .ToList();
        Assert.NotEmpty(codes);
        Assert.Equal(codes.Distinct().Order(), codes);
        return codes;
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"^\|\s*(\d+)\s*\|")]
    private static partial Regex TableRow();
}
