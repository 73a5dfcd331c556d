using System.Globalization;
using System.Text.Json;
using FhirBulk.Cli.Tests.Infrastructure;
using FhirBulk.Server;

namespace FhirBulk.Cli.Tests.Commands;

[Collection(ServerCollection.Name)]
public sealed class ExportCommandTests(ServerFixture fixture) : IDisposable
{
    private readonly TempFolder temp = new();

    [Fact]
    public async Task Export_PatientLevel_SummaryTableFilesAndManifest()
    {
        var output = temp.File("export");

        var result = await new CliRunner().RunAsync(["export", .. fixture.Credentials(), "--out", output]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"│ Patient +│ +1 │ +8 │", result.Output);
        Assert.Contains("Export complete.", result.Output, StringComparison.Ordinal);
        Assert.Contains("Export: downloading", result.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(output, "manifest.json")));
        Assert.Equal(8, File.ReadLines(Directory.GetFiles(output, "Patient.*.ndjson").Single()).Count());
    }

    [Theory]
    [InlineData("Patient,Condtion", "'Condtion' is not a FHIR R4 resource type (did you mean 'Condition'?)")]
    [InlineData("patient", "'patient' is not a FHIR R4 resource type (did you mean 'Patient'? type names are case-sensitive)")]
    public async Task Export_MisspeltType_UsageErrorWithTheTypeMeantBeforeAnythingIsMade(string types, string expected)
    {
        var output = temp.File("export");

        var result = await new CliRunner().RunAsync(["export", "--server", ServerFixture.UnusedServerUrl(), "--type", types, "--out", output]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains($"error: --type: {expected}.", result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public async Task Export_TypeFarFromEveryR4Type_LeftToTheServer()
    {
        // A resource of a later FHIR release is the server's to accept or refuse: ours refuses it, with its own words.
        var result = await new CliRunner().RunAsync(["export", .. fixture.Credentials(), "--type", "InventoryItem", "--out", temp.File("export")]);

        Assert.True(result.ExitCode == 5, result.ToString());
        Assert.Contains("_type 'InventoryItem' is not a FHIR R4 resource type", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_CancelOfAnObjectStorePrefix_UsageErrorSayingItTakesAFolder()
    {
        var result = await new CliRunner().RunAsync("export", "--cancel", "s3://fhirbulk-test/run1/", "--s3-endpoint", "http://127.0.0.1:1");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("--cancel works on a local folder only, not on s3://fhirbulk-test/run1/", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_OutUrlCarryingASecret_RefusedWithoutRepeatingItNamingTheOption()
    {
        var result = await new CliRunner().RunAsync(["export", .. fixture.Credentials(), "--out", "s3://AKIAEXAMPLE:wJalrSECRETKEY@fhirbulk-test/run1/"]);

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.DoesNotContain("wJalrSECRETKEY", result.ToString(), StringComparison.Ordinal);
        Assert.Contains("--out: s3:// locations must not carry credentials", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_ResumeUrlCarryingASecret_RefusedWithoutRepeatingItNamingTheOption()
    {
        var result = await new CliRunner().RunAsync("export", "--resume", "az://runs/one?sv=2024&sig=SECRETSIGNATURE");

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.DoesNotContain("SECRETSIGNATURE", result.ToString(), StringComparison.Ordinal);
        Assert.Contains("--resume: az:// locations must not carry credentials", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_GzipTransferAndGzipFiles_StoresTheSameResourcesCompressed()
    {
        var plain = temp.File("plain");
        var gzipped = temp.File("gzipped");

        var first = await new CliRunner().RunAsync(["export", .. fixture.Credentials(), "--type", "Patient,Condition", "--out", plain, "--json"]);
        var second = await new CliRunner().RunAsync(["export", .. fixture.Credentials(), "--type", "Patient,Condition", "--out", gzipped, "--compression", "gzip", "--gzip-files", "--json"]);

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.DoesNotContain(Directory.GetFiles(gzipped, "*.ndjson"), f => Path.GetFileName(f) != "log.ndjson");
        foreach (var file in Directory.GetFiles(plain, "*.ndjson").Where(f => Path.GetFileName(f) != "log.ndjson"))
        {
            using var stream = new System.IO.Compression.GZipStream(File.OpenRead(Path.Combine(gzipped, Path.GetFileName(file) + ".gz")), System.IO.Compression.CompressionMode.Decompress);
            using var reader = new StreamReader(stream);
            Assert.Equal(File.ReadAllText(file), reader.ReadToEnd());
        }
    }

    [Fact]
    public async Task Export_UnknownCompression_UsageErrorNamingTheChoices()
    {
        var result = await new CliRunner().RunAsync(["export", .. fixture.Credentials(), "--compression", "brotli", "--out", temp.File("x")]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("brotli", result.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_OnATerminal_LiveBarsPerFileThenTheSummary()
    {
        var result = await new CliRunner().AsTerminal().RunAsync(["export", .. fixture.Credentials(), "--type", "Patient,Condition", "--out", temp.File("live")]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Patient.001.ndjson", result.Output, StringComparison.Ordinal);
        Assert.Contains("Condition.001.ndjson", result.Output, StringComparison.Ordinal);
        Assert.Contains("100%", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Export: downloading", result.Output, StringComparison.Ordinal);
        Assert.Contains("Export complete.", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_Terminal_FileAndStatusBarsShowRateAndTimeRemaining()
    {
        var slow = fixture.Server.BaseUriWithFaults(new FaultOptions { TrickleBytesPerSecond = 200_000 }).ToString();

        var result = await new CliRunner().AsTerminal().RunAsync(
            "export", "--server", slow, "--client-id", fixture.ClientId, "--key", fixture.KeyFile, "--type", "Observation", "--out", temp.File("rate"));

        Assert.True(result.ExitCode == 0, result.ToString());
        // Spectre's transfer speed and remaining time columns, drawn while the trickled file was still coming.
        Assert.Matches(@"Observation\.001\.ndjson.*\d+(\.\d+)? (B|KB|MB|KiB|MiB)/s", result.Output);
        Assert.Matches(@"Observation\.001\.ndjson.*00:00:0[1-9]", result.Output);
        // The status bar counts files; its rate and time left are in bytes over all of them (Spectre's own would be in files, mostly --:--:--).
        Assert.Matches(@"Export: \d+/\d+ files.*\d+/\d+ files.*\d+(\.\d+)? (B|KiB|MiB)/s.*00:00:0[1-9]", result.Output);
    }

    [Fact]
    public async Task Export_TypesJson_OnlyThoseTypesAndNoProgressLines()
    {
        var result = await new CliRunner().RunAsync(["export", .. fixture.Credentials(), "--type", "Patient,Condition", "--out", temp.File("e"), "--json"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var json = JsonDocument.Parse(result.Output).RootElement;
        Assert.Equal(["Condition", "Patient"], json.GetProperty("resources").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal("success", json.GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task Export_GroupThenInspect_InspectSeesTheSameCounts()
    {
        var groups = JsonDocument.Parse((await new CliRunner().RunAsync(["groups", .. fixture.Credentials(), "--json"])).Output).RootElement;
        var groupId = groups[0].GetProperty("id").GetString()!;
        var output = temp.File("group");

        var export = await new CliRunner().RunAsync(["export", .. fixture.Credentials(), "--group", groupId, "--out", output, "--json"]);
        var inspect = await new CliRunner().RunAsync("inspect", output, "--json");

        Assert.True(export.ExitCode == 0, export.ToString());
        var exported = JsonDocument.Parse(export.Output).RootElement.GetProperty("resources");
        var inspected = JsonDocument.Parse(inspect.Output).RootElement;
        Assert.Equal(exported.GetProperty("Patient").GetInt64(), inspected.GetProperty("types").GetProperty("Patient").GetInt64());
        Assert.NotNull(inspected.GetProperty("transactionTime").GetString());
    }

    [Fact]
    public async Task Export_Summary_ShowsTransactionTimeAsTheServerWroteIt()
    {
        var output = temp.File("tt");

        var result = await new CliRunner().RunAsync(["export", .. fixture.Credentials(), "--type", "Patient", "--out", output]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var sent = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "manifest.json"))).RootElement.GetProperty("transactionTime").GetString()!;
        Assert.Matches($@"transactionTime +{System.Text.RegularExpressions.Regex.Escape(sent)}\s", result.Output);
    }

    [Fact]
    public async Task Export_MissingKeyFile_InvalidInputNamingThePath()
    {
        var missing = temp.File("no-such-key.pem");

        var result = await new CliRunner().RunAsync("export", "--server", fixture.BaseUrl, "--client-id", fixture.ClientId, "--key", missing);

        Assert.Equal(3, result.ExitCode);
        Assert.Equal($"error: key file not found: {missing}", result.Error.Trim());
    }

    [Fact]
    public async Task Export_UnknownClient_AuthenticationFailedWithOAuthError()
    {
        var result = await new CliRunner().RunAsync("export", "--server", fixture.BaseUrl, "--client-id", "nobody", "--key", fixture.KeyFile, "--out", temp.File("e"));

        Assert.Equal(4, result.ExitCode);
        Assert.Contains("invalid_client", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("BEGIN", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_WrongServerUrl_ServerFailed()
    {
        var result = await new CliRunner().RunAsync("export", "--server", ServerFixture.UnusedServerUrl(), "--retries", "0", "--out", temp.File("e"));

        Assert.Equal(5, result.ExitCode);
        Assert.StartsWith("error:", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_ServerReportsFailedFiles_PartialSuccess()
    {
        var faulty = fixture.Server.BaseUriWithFaults(new FaultOptions { FailedFileRate = 1, Seed = 1 }).ToString();

        var result = await new CliRunner().RunAsync("export", "--server", faulty, "--client-id", fixture.ClientId, "--key", fixture.KeyFile, "--type", "Patient", "--out", temp.File("e"));

        Assert.True(result.ExitCode == 6, result.ToString());
        Assert.Matches(@"\d+ OperationOutcomes? in error/ \(issues: error \d+", result.Output);
    }

    [Fact]
    public async Task Export_ServerReportsFailedFiles_LastLineSaysWhatDidNotComeThroughAndWhereToRead()
    {
        // Nothing above the last line names a failed file's reason: it is only in the error file.
        var faulty = fixture.Server.BaseUriWithFaults(new FaultOptions { FailedFileRate = 1, Seed = 1 }).ToString();

        var result = await new CliRunner().RunAsync("export", "--server", faulty, "--client-id", fixture.ClientId, "--key", fixture.KeyFile, "--type", "Patient", "--out", temp.File("e"));

        Assert.True(result.ExitCode == 6, result.ToString());
        var last = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        Assert.Matches(@"^Export complete, but not everything came through: the server reported \d+ error issues? \(read error/[^)]+\.ndjson\)\.$", last.TrimEnd());
        Assert.DoesNotContain("reported above", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_IntoAFolderHoldingAFinishedExport_SaysItWasMovedAndWhere()
    {
        var output = temp.File("e");
        var first = await new CliRunner().RunAsync(["export", .. fixture.Credentials(), "--type", "Patient", "--out", output]);
        Assert.True(first.ExitCode == 0, first.ToString());

        var second = await new CliRunner().RunAsync(["export", .. fixture.Credentials(), "--type", "Patient", "--out", output]);

        Assert.True(second.ExitCode == 0, second.ToString());
        var history = Assert.Single(Directory.GetDirectories(Path.Combine(output, "history")));
        Assert.Contains($"held a finished export (transactionTime ", second.Error, StringComparison.Ordinal);
        Assert.Contains($"moved its files to history/{Path.GetFileName(history)}/", second.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_FolderWithForeignFiles_HintNamesNoHistoryFolderThatForceWouldNotUse()
    {
        // The refusal and the --force run are two runs at two times: a subfolder named in the first was not the one used.
        var output = temp.File("e");
        Directory.CreateDirectory(output);
        await File.WriteAllTextAsync(Path.Combine(output, "Patient.000.ndjson"), "{\"resourceType\":\"Patient\",\"id\":\"mine\"}\n");

        var refused = await new CliRunner().RunAsync(["export", .. fixture.Credentials(), "--type", "Patient", "--out", output]);

        Assert.True(refused.ExitCode == 3, refused.ToString());
        Assert.Contains("--force to move them under history/ (in a subfolder named for the time of that run)", refused.Error, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"history/\d{8}T\d{6}Z", refused.Error);
    }

    [Fact]
    public async Task Export_SinceAutoAfterAnExport_OnlyWhatChangedSinceItsTransactionTime()
    {
        var output = temp.File("e");
        var first = await new CliRunner().RunAsync(["export", .. fixture.Credentials(), "--type", "Patient", "--out", output, "--json"]);
        var transactionTime = JsonDocument.Parse(first.Output).RootElement.GetProperty("transactionTime").GetDateTimeOffset();

        var second = await new CliRunner().RunAsync(["export", .. fixture.Credentials(), "--type", "Patient", "--out", output, "--since", "auto", "--json"]);

        Assert.True(second.ExitCode == 0, second.ToString());
        var json = JsonDocument.Parse(second.Output).RootElement;
        Assert.Equal(0, json.GetProperty("totalResources").GetInt64());
        var request = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "manifest.json"))).RootElement.GetProperty("request").GetString()!;
        var since = transactionTime.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains($"_since={since}", Uri.UnescapeDataString(request), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_SinceAutoAfterAnExportOfAnotherServer_RefusedNamingBothServers()
    {
        // The other server's transactionTime says nothing of this one's data: taking it exported nothing, with exit 0.
        await using var other = await BulkDataServer.StartAsync(new BulkDataServerOptions { Patients = 3, RequireAuth = false });
        var output = temp.File("e");
        var first = await new CliRunner().RunAsync(["export", "--server", other.BaseUri.ToString(), "--type", "Patient", "--out", output]);
        Assert.True(first.ExitCode == 0, first.ToString());

        var result = await new CliRunner().RunAsync(["export", .. fixture.Credentials(), "--type", "Patient", "--out", output, "--since", "auto"]);

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains($"error: --since auto: the previous export in {output} is from {other.BaseUri.AbsoluteUri.TrimEnd('/')}/, not from {fixture.Server.BaseUri.AbsoluteUri.TrimEnd('/')}/", result.Error, StringComparison.Ordinal);
        Assert.Contains("export into another folder (--out), or give an explicit --since (or none, to export everything)", result.Error, StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(output, "Patient.*.ndjson"));
    }

    [Theory]
    [InlineData(new[] { "--type", "Condition" }, "types: [\"Patient\"] here, [\"Condition\"] now")]
    [InlineData(new[] { "--type", "Patient", "--level", "system" }, "level: \"Patient\" here, \"System\" now")]
    [InlineData(new[] { "--type", "Patient", "--elements", "id" }, "elements: all here, [\"id\"] now")]
    [InlineData(new[] { "--type", "Patient", "--type-filter", "Patient?gender=female" }, "typeFilters: none here, [\"Patient?gender=female\"] now")]
    public async Task Export_SinceAutoAfterAnExportOfAnotherRequest_RefusedNamingTheDifference(string[] request, string difference)
    {
        var output = temp.File("e");
        var first = await new CliRunner().RunAsync(["export", .. fixture.Credentials(), "--type", "Patient", "--out", output]);
        Assert.True(first.ExitCode == 0, first.ToString());

        var result = await new CliRunner().RunAsync(["export", .. fixture.Credentials(), .. request, "--out", output, "--since", "auto"]);

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains($"error: --since auto: the previous export in {output} was of another request ({difference})", result.Error, StringComparison.Ordinal);
        Assert.Contains("export into another folder (--out), or give an explicit --since", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_PatientAsABareId_ExportsThatPatient()
    {
        // The help says --patient ID: a bare id was sent as it is, and the server refused it (400, not a Patient reference).
        var all = temp.File("all");
        await new CliRunner().RunAsync(["export", .. fixture.Credentials(), "--type", "Patient", "--out", all]);
        var id = JsonDocument.Parse(File.ReadLines(Directory.GetFiles(all, "Patient.*.ndjson").Single()).First()).RootElement.GetProperty("id").GetString()!;
        var output = temp.File("one");

        var result = await new CliRunner().RunAsync(["export", .. fixture.Credentials(), "--type", "Patient", "--patient", id, "--out", output]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var exported = File.ReadLines(Directory.GetFiles(output, "Patient.*.ndjson").Single()).Single();
        Assert.Equal(id, JsonDocument.Parse(exported).RootElement.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Export_PatientAsAReferenceOfAnotherType_UsageErrorBeforeAnythingIsMade()
    {
        var output = temp.File("e");

        var result = await new CliRunner().RunAsync(["export", "--server", ServerFixture.UnusedServerUrl(), "--patient", "Group/x", "--out", output]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains("error: --patient: 'Group/x' refers to a Group, not a Patient; give a patient id (123) or a Patient reference (Patient/123).", result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public async Task Export_ServerUrlWithPassword_UsageErrorWritingNothing()
    {
        // The password went into .fhir-bulk-state.json (and the terminal): the docs promise no secret is ever written.
        var output = temp.File("e");
        var url = fixture.BaseUrl.Replace("http://", "http://alice:s3cret@", StringComparison.Ordinal);

        var result = await new CliRunner().RunAsync(["export", "--server", url, "--type", "Patient", "--out", output]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith("error: --server: FHIR server URLs must not carry credentials", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", result.ToString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public async Task Export_LevelGroupWithoutId_UsageError()
    {
        var result = await new CliRunner().RunAsync(["export", .. fixture.Credentials(), "--level", "group", "--out", temp.File("e")]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--group", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_ResumeCompleteFolder_NothingDownloadedAgain()
    {
        var output = temp.File("e");
        await new CliRunner().RunAsync(["export", .. fixture.Credentials(), "--type", "Patient", "--out", output, "--json"]);
        var before = File.GetLastWriteTimeUtc(Directory.GetFiles(output, "Patient.*.ndjson").Single());

        var result = await new CliRunner().RunAsync(["export", .. fixture.Credentials(), "--resume", output, "--json"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(before, File.GetLastWriteTimeUtc(Directory.GetFiles(output, "Patient.*.ndjson").Single()));
    }

    [Fact]
    public async Task Export_ResumeAfterAFileWasAlteredOrDeleted_SummaryNamesEachRepairWithItsProblem()
    {
        var output = temp.File("e");
        await new CliRunner().RunAsync(["export", .. fixture.Credentials(), "--type", "Patient,Condition", "--out", output, "--json"]);
        var patients = Directory.GetFiles(output, "Patient.*.ndjson").Single();
        var bytes = File.ReadAllBytes(patients);
        bytes[^10] = bytes[^10] == (byte)'1' ? (byte)'2' : (byte)'1';
        File.WriteAllBytes(patients, bytes);
        var conditions = Directory.GetFiles(output, "Condition.*.ndjson").First();
        File.Delete(conditions);

        var result = await new CliRunner().AsPipe().RunAsync(["export", .. fixture.Credentials(), "--resume", output]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"{Path.GetFileName(patients)} (SHA-256 differs from the recorded one; fetched again)", result.Output, StringComparison.Ordinal);
        Assert.Contains($"{Path.GetFileName(conditions)} (missing; fetched again)", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_TrickledSingleFile_NotATerminal_ProgressLinesAtMostTwoSecondsApart()
    {
        var slow = fixture.Server.BaseUriWithFaults(new FaultOptions { TrickleBytesPerSecond = 2000 }).ToString();

        var (result, lines) = await new CliRunner().RunTimedAsync(
            "export", "--server", slow, "--client-id", fixture.ClientId, "--key", fixture.KeyFile, "--type", "Patient", "--out", temp.File("slow"));

        Assert.True(result.ExitCode == 0, result.ToString());
        var start = lines.First(l => l.Line.StartsWith("Export: downloading 1 file", StringComparison.Ordinal)).At;
        var end = lines.First(l => l.Line.StartsWith("  [1/1] ", StringComparison.Ordinal)).At;
        Assert.True(end - start > TimeSpan.FromSeconds(4), $"the download took {end - start}, too short to show anything\n{result}");
        var during = lines.Where(l => l.At >= start && l.At <= end).ToList();
        var gaps = CliRunner.Gaps(during);
        // 2 s promised; the margin is the test's polling and a busy machine (CI runs the test projects side by side on
        // 2 cores, where a timer tick can come a second late). A silent download still fails: it was silent for 15 s.
        Assert.True(gaps.Max() < TimeSpan.FromSeconds(3.5), $"longest gap {gaps.Max()}\n{result}");
        Assert.Contains(during, l => System.Text.RegularExpressions.Regex.IsMatch(l.Line, @"^Export: 0/1 files, [0-9.]+ KiB of [0-9.]+ KiB, [0-9.]+ (B|KiB)/s, about [0-9]+ s left$"));
    }

    [Fact]
    public async Task Export_NotATerminal_EachFinishedFileCountedOnceInOrder()
    {
        var result = await new CliRunner().RunAsync(["export", .. fixture.Credentials(), "--out", temp.File("counted")]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var counters = System.Text.RegularExpressions.Regex.Matches(result.Output, @"^  \[(\d+)/(\d+)\] ", System.Text.RegularExpressions.RegexOptions.Multiline)
            .Select(m => (Done: int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), Total: int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)))
            .ToList();
        Assert.True(counters.Count > 1, result.ToString());
        Assert.Equal(Enumerable.Range(1, counters.Count), counters.Select(c => c.Done));
        Assert.All(counters, c => Assert.Equal(counters.Count, c.Total));
    }

    [Fact]
    public async Task Export_Quiet_NoProgressButTheSummary()
    {
        var result = await new CliRunner().RunAsync(["export", .. fixture.Credentials(), "--type", "Patient", "--quiet", "--out", temp.File("quiet")]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain("Export:", result.Output, StringComparison.Ordinal);
        Assert.Contains("Export complete.", result.Output, StringComparison.Ordinal);
    }

    public void Dispose() => temp.Dispose();
}
