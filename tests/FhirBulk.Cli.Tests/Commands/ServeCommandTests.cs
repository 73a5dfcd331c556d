using System.Globalization;
using System.Net;
using System.Text.Json;
using FhirBulk.Cli.Tests.Infrastructure;

namespace FhirBulk.Cli.Tests.Commands;

public sealed class ServeCommandTests
{
    [Fact]
    public async Task Serve_PortZero_PrintsLoopbackBaseUrlFirstAndServesUntilCancelled()
    {
        using var stop = new CancellationTokenSource();
        var running = await new CliRunner().StartAsync(stop.Token, "serve", "--port", "0", "--patients", "3");

        Assert.Matches(@"^http://127\.0\.0\.1:\d+/fhir$", running.FirstLine);
        using var http = new HttpClient();
        var metadata = await http.GetAsync(new Uri(running.FirstLine + "/metadata"));
        Assert.Equal(HttpStatusCode.OK, metadata.StatusCode);

        await stop.CancelAsync();
        var result = await running.Completion;
        Assert.True(result.ExitCode == 0, result.ToString());
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(new Uri(running.FirstLine + "/metadata")));
    }

    [Fact]
    public async Task Serve_DataFolderWithoutNdjson_WarnsThatEveryExportWillBeEmptyAndServes()
    {
        using var temp = new TempFolder();
        var empty = Directory.CreateDirectory(Path.Combine(temp.Path, "not-generated-yet")).FullName;
        using var stop = new CancellationTokenSource();
        var running = await new CliRunner().StartAsync(stop.Token, "serve", "--port", "0", "--no-auth", "--data", empty);

        Assert.Matches(@"^http://127\.0\.0\.1:\d+/fhir$", running.FirstLine);
        await stop.CancelAsync();
        var result = await running.Completion;
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"warning: {empty} holds no resources (no TYPE.NNN.ndjson files): every export will be empty. Generate a population into it with 'fhir-bulk generate --out {empty}'.", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_DataFolderWithNdjsonInSubfolders_WarnsNamingThemAndSuggestsNoGenerate()
    {
        using var temp = new TempFolder();
        var export = Directory.CreateDirectory(Path.Combine(temp.Path, "export")).FullName;
        foreach (var level in new[] { "patient", "group" })
        {
            Directory.CreateDirectory(Path.Combine(export, level));
            await File.WriteAllTextAsync(Path.Combine(export, level, "Patient.000.ndjson"), "{\"resourceType\":\"Patient\",\"id\":\"p1\"}\n");
        }

        var result = await ServeBrieflyAsync(new CliRunner().AsPipe(), "--data", export);

        Assert.Contains($"warning: {export} holds no TYPE.NNN.ndjson files (its subfolders group/, patient/ do: give one of them): every export will be empty.", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("generate", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_DataFolderOfGzipFiles_WarnsThatGzipIsNotServedAndSuggestsNoGenerate()
    {
        using var temp = new TempFolder();
        var export = Directory.CreateDirectory(Path.Combine(temp.Path, "gz export")).FullName;
        await File.WriteAllBytesAsync(Path.Combine(export, "Patient.000.ndjson.gz"), []);
        await File.WriteAllBytesAsync(Path.Combine(export, "Condition.000.ndjson.gz"), []);

        var result = await ServeBrieflyAsync(new CliRunner().AsPipe(), "--data", export);

        Assert.Contains(
            $"warning: {export} holds no resources the server can serve: its 2 files are gzip (*.ndjson.gz), and the server reads plain TYPE.NNN.ndjson files only; every export will be empty. Unpack them beside themselves first: gunzip -k '{export}'/*.ndjson.gz",
            result.Error,
            StringComparison.Ordinal);
        Assert.DoesNotContain("generate", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_DataFolderHoldingOtherFiles_WarnsWithoutSuggestingGenerateWhichWouldRefuseIt()
    {
        using var temp = new TempFolder();
        var folder = Directory.CreateDirectory(Path.Combine(temp.Path, "notes")).FullName;
        await File.WriteAllTextAsync(Path.Combine(folder, "readme.txt"), "not data");

        var result = await ServeBrieflyAsync(new CliRunner().AsPipe(), "--data", folder);

        Assert.Contains($"warning: {folder} holds no resources (no TYPE.NNN.ndjson files): every export will be empty.", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("generate", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_BannerOnANarrowTerminal_UrlsAndPathsOneLineEachWholeOrCut()
    {
        using var temp = new TempFolder();
        var data = temp.File("a-population-folder-whose-path-is-long");
        Assert.Equal(0, (await new CliRunner().RunAsync("generate", "--patients", "2", "--steps", "0", "--out", data, "--quiet")).ExitCode);

        var output = await ServeUntilAsync(new CliRunner().AsTerminal().WithTerminalWidth(40), "Serving until", "serve", "--data", data);

        var lines = output.ReplaceLineEndings("\n").Split('\n');
        foreach (var label in new[] { "Data", "Token endpoint", "Register a client", "Data time", "Steps" })
        {
            var line = Assert.Single(lines, l => l.StartsWith(label + "  ", StringComparison.Ordinal));
            Assert.True(line.Length <= 40, line);
        }

        Assert.Contains(lines, l => l.StartsWith("Data ", StringComparison.Ordinal) && l.EndsWith('…'));
    }

    [Fact]
    public async Task Serve_DataIsTheUnfinishedFolderOfAKilledGenerate_Exit3SayingToRunGenerateAgain()
    {
        using var temp = new TempFolder();
        var unfinished = Directory.CreateDirectory(temp.File(".pop.unfinished")).FullName;
        await File.WriteAllTextAsync(Path.Combine(unfinished, "Patient.000.ndjson"), "{\"resourceType\":\"Patient\",\"id\":\"p1\"}\n");

        var result = await new CliRunner().AsPipe().RunAsync("serve", "--data", unfinished, "--no-auth");

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Equal(
            $"error: --data {unfinished} is a population generate did not finish (it was killed while writing it): run 'fhir-bulk generate --out {temp.File("pop")}' again, which replaces it, and serve that folder.",
            result.Error.Trim());
    }

    /// <summary>Starts serve --no-auth with <paramref name="args"/>, stops it once it printed its URL, and returns what it printed.</summary>
    private static async Task<CliResult> ServeBrieflyAsync(CliRunner runner, params string[] args)
    {
        using var stop = new CancellationTokenSource();
        var running = await runner.StartAsync(stop.Token, ["serve", "--port", "0", "--no-auth", .. args]);
        Assert.Matches(@"^http://127\.0\.0\.1:\d+/fhir$", running.FirstLine);
        await stop.CancelAsync();
        var result = await running.Completion;
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }

    [Fact]
    public async Task Serve_JsonNoAuth_ReportsUrlsWithNullEndpointsAndServesOpenly()
    {
        using var stop = new CancellationTokenSource();
        var running = await new CliRunner().StartAsync(stop.Token, "serve", "--patients", "2", "--no-auth", "--json");
        var json = JsonDocument.Parse(running.FirstLine).RootElement;
        var baseUrl = json.GetProperty("baseUrl").GetString()!;
        Assert.False(json.GetProperty("requiresAuth").GetBoolean());
        Assert.Equal(JsonValueKind.Null, json.GetProperty("tokenEndpoint").ValueKind);
        Assert.Equal(JsonValueKind.Null, json.GetProperty("registrationEndpoint").ValueKind);
        using var http = new HttpClient();
        var groups = await http.GetAsync(new Uri(baseUrl + "/Group"));
        Assert.Equal(HttpStatusCode.OK, groups.StatusCode);

        await stop.CancelAsync();
        Assert.Equal(0, (await running.Completion).ExitCode);
    }

    [Fact]
    public async Task Serve_Json_PrintsTheWholeDocumentOnTheFirstLine()
    {
        using var stop = new CancellationTokenSource();
        var running = await new CliRunner().AsPipe().StartAsync(stop.Token, "serve", "--patients", "2", "--json");

        var json = JsonDocument.Parse(running.FirstLine).RootElement;
        Assert.Matches(@"^http://127\.0\.0\.1:\d+/fhir$", json.GetProperty("baseUrl").GetString());
        Assert.True(json.GetProperty("requiresAuth").GetBoolean());
        await stop.CancelAsync();
        var result = await running.Completion;
        Assert.Equal(0, result.ExitCode);
        Assert.Equal(running.FirstLine, result.Output.TrimEnd('\n'));
    }

    [Fact]
    public async Task Serve_NoAuth_AdvertisesNoTokenEndpointAnywhere()
    {
        using var stop = new CancellationTokenSource();
        var running = await new CliRunner().StartAsync(stop.Token, "serve", "--patients", "2", "--no-auth");
        using var http = new HttpClient();

        var smart = await http.GetAsync(new Uri(running.FirstLine + "/.well-known/smart-configuration"));
        var metadata = await http.GetStringAsync(new Uri(running.FirstLine + "/metadata"));
        var info = await new CliRunner().RunAsync("info", "--server", running.FirstLine);

        Assert.Equal(HttpStatusCode.NotFound, smart.StatusCode);
        Assert.DoesNotContain("security", metadata, StringComparison.Ordinal);
        Assert.Contains("none advertised: an open server", info.Output, StringComparison.Ordinal);
        await stop.CancelAsync();
        var banner = (await running.Completion).Output;
        Assert.DoesNotContain("Token endpoint", banner, StringComparison.Ordinal);
        Assert.DoesNotContain("Register a client", banner, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_StepsAndAdvanceEvery_BannerNamesTheSimulatedTimeAndEachStepIsAnnounced()
    {
        var output = await ServeUntilAsync(new CliRunner(), "Step 3:", "serve", "--patients", "5", "--no-auth", "--steps", "2", "--advance-every", "1");

        Assert.Matches(@"Data time\s*│?\s*\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(simulated, after 2 steps\)", output);
        Assert.Matches(@"Step 3: data time \d{4}-\d\d-\d\dT", output);
    }

    [Fact]
    public async Task Serve_OneStep_BannerSaysAfterOneStep()
    {
        var output = await ServeUntilAsync(new CliRunner(), "Data time", "serve", "--patients", "5", "--no-auth", "--steps", "1");

        Assert.Contains("(simulated, after 1 step)", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_DataWithSteps_BannerSaysTheStepsAreWrittenIntoDataSteps()
    {
        using var temp = new TempFolder();
        var data = temp.File("pop");
        var generated = await new CliRunner().RunAsync("generate", "--patients", "3", "--steps", "1", "--out", data, "--quiet");
        Assert.True(generated.ExitCode == 0, generated.ToString());

        var output = await ServeUntilAsync(new CliRunner().AsPipe(), "Serving until", "serve", "--data", data, "--no-auth", "--steps", "1");

        Assert.Contains($"Steps      written into {Path.Combine(data, "steps")}{Path.DirectorySeparatorChar} (now at step 2)", output, StringComparison.Ordinal);
        Assert.True(Directory.Exists(Path.Combine(data, "steps", "0002")), output);
    }

    [Fact]
    public async Task Serve_GeneratedPopulationWithSteps_NoStepsLineForItsTemporaryFolder()
    {
        var output = await ServeUntilAsync(new CliRunner(), "Serving until", "serve", "--patients", "3", "--no-auth", "--steps", "1");

        Assert.DoesNotContain("written into", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServeHelp_StepsAndAdvanceEvery_SayWithDataTheyWriteIntoDataSteps()
    {
        var result = await new CliRunner().AsPipe().RunAsync("serve", "--help");

        Assert.Equal(0, result.ExitCode);
        var lines = result.Output.ReplaceLineEndings("\n").Split('\n');
        Assert.Contains(
            "With --data, DIR must have a timeline ('fhir-bulk generate --steps N' starts one, N may be 0) and the steps are written into DIR/steps/",
            Assert.Single(lines, l => l.TrimStart().StartsWith("--steps", StringComparison.Ordinal)),
            StringComparison.Ordinal);
        Assert.Contains(
            "With --data, DIR must have a timeline as for --steps, and each step is written into DIR/steps/.",
            Assert.Single(lines, l => l.TrimStart().StartsWith("--advance-every", StringComparison.Ordinal)),
            StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--steps", "1")]
    [InlineData("--advance-every", "60")]
    public async Task Serve_DataWithoutTimelineAndStepOption_Exit3SayingWhatStartsATimeline(string option, string value)
    {
        using var temp = new TempFolder();
        var data = temp.File("gpop");
        Assert.Equal(0, (await new CliRunner().RunAsync("generate", "--patients", "2", "--out", data, "--quiet")).ExitCode);

        var result = await new CliRunner().AsPipe().RunAsync("serve", "--data", data, "--no-auth", option, value);

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Equal(
            $"error: {data} has no steps/ timeline, so no steps of change can be played into it: they continue a population the generator started a timeline for "
            + "(fhir-bulk generate --steps N --out NEWDIR, where N may be 0), from its seed. Serve this folder without steps, or generate it again with a timeline.",
            result.Error.Trim());
        Assert.False(Directory.Exists(Path.Combine(data, "steps")));
    }

    [Fact]
    public async Task Serve_DataGeneratedWithStepsZero_PlaysStepsIntoIt()
    {
        using var temp = new TempFolder();
        var data = temp.File("pop");
        Assert.Equal(0, (await new CliRunner().RunAsync("generate", "--patients", "2", "--steps", "0", "--out", data, "--quiet")).ExitCode);

        var output = await ServeUntilAsync(new CliRunner().AsPipe(), "Serving until", "serve", "--data", data, "--no-auth", "--steps", "1");

        Assert.Contains($"Steps      written into {Path.Combine(data, "steps")}{Path.DirectorySeparatorChar} (now at step 1)", output, StringComparison.Ordinal);
        Assert.True(Directory.Exists(Path.Combine(data, "steps", "0001")), output);
    }

    [Fact]
    public async Task Serve_DataWithStepsRestartedWithoutStepOptions_BannerShowsDataTimeAndSaysNoStepIsWritten()
    {
        using var temp = new TempFolder();
        var data = temp.File("pop");
        Assert.Equal(0, (await new CliRunner().RunAsync("generate", "--patients", "2", "--steps", "2", "--out", data, "--quiet")).ExitCode);

        var output = await ServeUntilAsync(new CliRunner().AsPipe(), "Serving until", "serve", "--data", data, "--no-auth");

        Assert.Matches(@"Data time  \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(simulated, after 2 steps\)", output);
        Assert.Contains($"Steps      read from {Path.Combine(data, "steps")}{Path.DirectorySeparatorChar}, none written (--steps N or --advance-every SECONDS play more)", output, StringComparison.Ordinal);
        Assert.DoesNotContain("written into", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(data, "steps", "0003")), output);
    }

    [Fact]
    public async Task Serve_BomMiscountCutGzipFlags_EachReachesTheServer()
    {
        using var stop = new CancellationTokenSource();
        var running = await new CliRunner().StartAsync(stop.Token, "serve", "--patients", "4", "--no-auth", "--bom-file", "1", "--miscount", "1", "--cut-gzip", "1");
        using var http = new HttpClient();
        using var kickoff = new HttpRequestMessage(HttpMethod.Get, running.FirstLine + "/Patient/$export?_type=Patient");
        kickoff.Headers.Add("Accept", "application/fhir+json");
        kickoff.Headers.Add("Prefer", "respond-async");
        using var accepted = await http.SendAsync(kickoff);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var output = (await ManifestAsync(http, accepted.Content.Headers.ContentLocation!)).GetProperty("output")[0];
        var url = output.GetProperty("url").GetString()!;
        var plain = await http.GetByteArrayAsync(url);
        Assert.Equal("EFBBBF", Convert.ToHexString(plain[..3]));
        Assert.Equal(output.GetProperty("count").GetInt32() - 1, plain.Count(b => b == (byte)'\n'));
        using var gzip = new HttpRequestMessage(HttpMethod.Get, url);
        gzip.Headers.Add("Accept-Encoding", "gzip");
        using var compressed = await http.SendAsync(gzip);
        Assert.Equal("0000FFFF", Convert.ToHexString((await compressed.Content.ReadAsByteArrayAsync())[^4..]));

        await stop.CancelAsync();
        Assert.Equal(0, (await running.Completion).ExitCode);
    }

    [Fact]
    public async Task Serve_StoppedDuringATrickledDownload_StopsWithinAFewSecondsCuttingTheDownload()
    {
        using var stop = new CancellationTokenSource();
        // 200 bytes a second: the Patient file takes minutes, so only an aborted response lets the server stop soon.
        var running = await new CliRunner().StartAsync(stop.Token, "serve", "--patients", "20", "--no-auth", "--trickle", "200");
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) };
        System.Diagnostics.Stopwatch stopping;
        Task<byte[]> download;
        try
        {
            using var kickoff = new HttpRequestMessage(HttpMethod.Get, running.FirstLine + "/Patient/$export?_type=Patient");
            kickoff.Headers.Add("Accept", "application/fhir+json");
            kickoff.Headers.Add("Prefer", "respond-async");
            using var accepted = await http.SendAsync(kickoff);
            var url = (await ManifestAsync(http, accepted.Content.Headers.ContentLocation!)).GetProperty("output")[0].GetProperty("url").GetString()!;
            var response = await http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            download = response.Content.ReadAsByteArrayAsync();
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
        finally
        {
            stopping = System.Diagnostics.Stopwatch.StartNew();
            await stop.CancelAsync();
        }

        var result = await running.Completion;
        Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(8), $"took {stopping.Elapsed} to stop\n{result}");
        Assert.Equal(0, result.ExitCode);
        // The download was cut, not finished.
        await Assert.ThrowsAnyAsync<Exception>(() => download);
    }

    [Theory]
    [InlineData("--information-file", "information")]
    [InlineData("--warning-file", "warning")]
    public async Task Serve_InformationOrWarningFileFlag_OneErrorFileOfThatSeverity(string flag, string severity)
    {
        // One flag per run, so a flag wired to the other option (or to none) fails here.
        using var stop = new CancellationTokenSource();
        var running = await new CliRunner().StartAsync(stop.Token, "serve", "--patients", "4", "--no-auth", flag, "1");
        var severities = new List<string>();
        try
        {
            using var http = new HttpClient();
            using var kickoff = new HttpRequestMessage(HttpMethod.Get, running.FirstLine + "/Patient/$export?_type=Patient");
            kickoff.Headers.Add("Accept", "application/fhir+json");
            kickoff.Headers.Add("Prefer", "respond-async");
            using var accepted = await http.SendAsync(kickoff);
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
            var manifest = await ManifestAsync(http, accepted.Content.Headers.ContentLocation!);
            Assert.Equal(4, manifest.GetProperty("output")[0].GetProperty("count").GetInt32());
            foreach (var error in manifest.GetProperty("error").EnumerateArray())
            {
                Assert.Equal("OperationOutcome", error.GetProperty("type").GetString());
                var lines = (await http.GetStringAsync(error.GetProperty("url").GetString())).Split('\n', StringSplitOptions.RemoveEmptyEntries);
                Assert.Equal(error.GetProperty("count").GetInt32(), lines.Length);
                var issues = lines.SelectMany(line => JsonDocument.Parse(line).RootElement.GetProperty("issue").EnumerateArray());
                severities.AddRange(issues.Select(issue => issue.GetProperty("severity").GetString()!).Distinct());
            }
        }
        finally
        {
            // Stop the server even when an assertion failed, or the test host waits for it forever.
            await stop.CancelAsync();
        }

        var result = await running.Completion;
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("injected", result.Output, StringComparison.Ordinal);
        Assert.Equal(new[] { severity }, severities);
    }

    [Theory]
    [InlineData("--information-file")]
    [InlineData("--warning-file")]
    public async Task Serve_InformationOrWarningFileOutOfRange_UsageError(string flag)
    {
        // Bounded: if the rate were not validated, serve would start and run until stopped.
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var running = await new CliRunner().StartAsync(stop.Token, "serve", "--port", "0", flag, "1.5");
        var result = await running.Completion;

        Assert.Equal(2, result.ExitCode);
    }

    private static async Task<JsonElement> ManifestAsync(HttpClient http, Uri status)
    {
        for (var attempt = 0; attempt < 500; attempt++)
        {
            using var poll = await http.GetAsync(status);
            if (poll.StatusCode != HttpStatusCode.Accepted)
            {
                Assert.Equal(HttpStatusCode.OK, poll.StatusCode);
                return JsonDocument.Parse(await poll.Content.ReadAsStringAsync()).RootElement.Clone();
            }

            await Task.Delay(20);
        }

        throw new TimeoutException("The export did not complete.");
    }

    [Fact]
    public async Task Serve_MissingDataFolder_InvalidInputNamingIt()
    {
        var result = await new CliRunner().RunAsync("serve", "--data", "/nonexistent/export");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("/nonexistent/export", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_DataIsAFile_InvalidInputOneLineSayingDataNamesAFileNotAFolder()
    {
        var file = Path.GetTempFileName();
        try
        {
            foreach (var runner in new[] { new CliRunner().AsPipe(), new CliRunner().WithTerminalWidth(60) })
            {
                var result = await runner.RunAsync("serve", "--data", file);

                Assert.True(result.ExitCode == 3, result.ToString());
                Assert.Equal(
                    $"error: --data {file} is a file, not a folder: give a folder of TYPE.NNN.ndjson files, such as one 'fhir-bulk generate --out DIR' wrote.",
                    result.Error.TrimEnd());
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Serve_PortInUse_InvalidInputOneLineNamingThePort()
    {
        using var holder = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        holder.Start();
        var port = ((System.Net.IPEndPoint)holder.LocalEndpoint).Port;

        var result = await new CliRunner().RunAsync("serve", "--port", port.ToString(CultureInfo.InvariantCulture), "--no-auth", "--patients", "1");

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Equal($"error: port {port} on 127.0.0.1 is in use: stop what listens there, or choose another port (0 picks a free one).", result.Error.Trim());
    }

    [Fact]
    public async Task Serve_FaultRateOutOfRange_UsageError()
    {
        var result = await new CliRunner().RunAsync("serve", "--status-error", "2");

        Assert.Equal(2, result.ExitCode);
    }

    [Fact]
    public async Task Serve_Status429OutOfRange_UsageErrorNamingTheOption()
    {
        var result = await new CliRunner().RunAsync("serve", "--status-429", "2");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error: --status-429 is a fraction between 0 and 1, not 2.", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--port", "99999", "error: --port: Port must be 0..65535.")]
    [InlineData("--patients", "0", "error: --patients: At least one patient is needed.")]
    [InlineData("--token-lifetime", "0", "error: --token-lifetime: Must be positive.")]
    [InlineData("--advance-every", "0", "error: --advance-every is a number of seconds, at least 1, not 0.")]
    public async Task Serve_OptionValueOutOfRange_UsageErrorThenTheHelpHintAsForAParseError(string option, string value, string expected)
    {
        var result = await new CliRunner().AsPipe().RunAsync("serve", option, value);
        var parseError = await new CliRunner().AsPipe().RunAsync("serve", "--port", "abc");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal([expected, "Run 'fhir-bulk serve --help' for the options."], result.Error.Trim().ReplaceLineEndings("\n").Split('\n'));
        Assert.EndsWith("Run 'fhir-bulk serve --help' for the options.", parseError.Error.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_ClientsFileNotJson_OneLineNamingTheFileLineAndFaultWithoutDotNetPositions()
    {
        using var temp = new TempFolder();
        var clients = temp.File("clients.json");
        await File.WriteAllTextAsync(clients, "[\n  {\"client_id\": \"a\",\n    \"jwks\" {}\n]\n");

        var result = await new CliRunner().AsPipe().RunAsync("serve", "--clients", clients, "--patients", "1");

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Equal($"error: clients file '{clients}' is not JSON: '{{' is invalid after a property name. Expected a ':' (line 3, byte 12)", result.Error.Trim());
    }

    /// <summary>Runs serve until its output holds <paramref name="text"/> (30 s at most), then stops it as Ctrl-C would; what it printed.</summary>
    private static async Task<string> ServeUntilAsync(CliRunner runner, string text, params string[] args)
    {
        using var stop = new CancellationTokenSource();
        var running = await runner.StartAsync(stop.Token, args);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!running.Text.Contains(text, StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        await stop.CancelAsync();
        return (await running.Completion).Output;
    }
}
