using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using FhirBulk.Cli.Tests.Infrastructure;
using FhirBulk.Server;

namespace FhirBulk.Cli.Tests.Commands;

/// <summary>
/// <c>fhir-bulk export --resume DIR</c> with nothing else, after a real Ctrl-C: every run starts from an environment
/// without FHIR_BULK_* variables or a profile, so only what the folder recorded can tell it where and how to connect.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class ExportResumeTests(ServerFixture fixture) : IDisposable
{
    private readonly TempFolder temp = new();

    [Fact]
    public async Task Export_CtrlCHint_RunAsPrinted_Completes()
    {
        var output = temp.File("my export");

        var interrupted = await InterruptWhileDownloadingAsync(new CliRunner(), output, ["--server", SlowServer(), "--client-id", fixture.ClientId, "--key", fixture.KeyFile]);
        var command = HintedCommand(interrupted);
        var resumed = await new CliRunner().RunAsync(command);

        Assert.Equal(["export", "--resume", output], command);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Equal(await CleanExportAsync(), Hashes(output));
    }

    [Fact]
    public async Task Export_Resume_SummaryShowsTheResumesOwnTimeNextToTheExportsTotal()
    {
        var output = temp.File("timed");
        await InterruptWhileDownloadingAsync(new CliRunner(), output, ["--server", SlowServer(), "--client-id", fixture.ClientId, "--key", fixture.KeyFile]);
        // The export's total then includes at least this pause, which the resume did not spend.
        await Task.Delay(TimeSpan.FromSeconds(2));

        var resumed = await new CliRunner().RunAsync("export", "--resume", output);

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        var time = System.Text.RegularExpressions.Regex.Match(resumed.Output, @"Time +([0-9.]+) s this resume, ([0-9.]+) s since the export started");
        Assert.True(time.Success, resumed.ToString());
        Assert.True(
            double.Parse(time.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) - double.Parse(time.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 2,
            resumed.ToString());
    }

    [Fact]
    public async Task Export_ResumeOfACompleteExport_TimeIsThisResumesAloneNotTheTimeSinceTheExport()
    {
        var output = temp.File("complete");
        var exported = await new CliRunner().RunAsync("export", "--server", fixture.BaseUrl, "--client-id", fixture.ClientId, "--key", fixture.KeyFile, "--out", output);
        Assert.True(exported.ExitCode == 0, exported.ToString());

        var resumed = await new CliRunner().RunAsync("export", "--resume", output);

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Matches(@"Time +[0-9.]+ s this resume \(the export was already complete\)", resumed.Output);
        Assert.DoesNotContain("since the export started", resumed.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_ResumeFromFolderAlone_WithKeyFile_Completes()
    {
        var output = temp.File("e");
        var exporter = new CliRunner()
            .WithEnvironment("FHIR_BULK_SERVER", SlowServer())
            .WithEnvironment("FHIR_BULK_CLIENT_ID", fixture.ClientId)
            .WithEnvironment("FHIR_BULK_KEY_FILE", fixture.KeyFile);
        await InterruptWhileDownloadingAsync(exporter, output, []);

        var resumed = await new CliRunner().RunAsync("export", "--resume", output);

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Equal(await CleanExportAsync(), Hashes(output));
    }

    [Fact]
    public async Task Export_ResumeFromFolderAlone_WithKeyInEnvironment_CompletesAndTheKeyIsWrittenNowhere()
    {
        var output = temp.File("e");
        var keyText = await File.ReadAllTextAsync(fixture.KeyFile);

        var interrupted = await InterruptWhileDownloadingAsync(
            new CliRunner().WithEnvironment("FHIR_BULK_PRIVATE_KEY", keyText), output, ["--server", SlowServer(), "--client-id", fixture.ClientId]);
        var resumed = await new CliRunner().WithEnvironment("FHIR_BULK_PRIVATE_KEY", keyText).RunAsync(HintedCommand(interrupted));

        Assert.Contains("set FHIR_BULK_PRIVATE_KEY again, then run:", interrupted.Error, StringComparison.Ordinal);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Equal(await CleanExportAsync(), Hashes(output));
        var keyLines = keyText.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(l => !l.StartsWith("-----", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(keyLines);
        foreach (var written in new[] { ".fhir-bulk-state.json", "log.ndjson" }.Select(f => File.ReadAllText(Path.Combine(output, f))).Append(interrupted.ToString()).Append(resumed.ToString()))
        {
            Assert.All(keyLines, line => Assert.DoesNotContain(line, written, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Export_ResumeFromFolderAlone_KeyInEnvironmentNotSetAgain_UsageErrorSayingToSetIt()
    {
        var output = temp.File("e");
        var keyText = await File.ReadAllTextAsync(fixture.KeyFile);
        var export = await new CliRunner().WithEnvironment("FHIR_BULK_PRIVATE_KEY", keyText)
            .RunAsync("export", "--server", fixture.BaseUrl, "--client-id", fixture.ClientId, "--type", "Patient", "--out", output);

        var resumed = await new CliRunner().RunAsync("export", "--resume", output);

        Assert.True(export.ExitCode == 0, export.ToString());
        Assert.Equal(2, resumed.ExitCode);
        var lines = resumed.Error.Trim().ReplaceLineEndings("\n").Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.Contains("set FHIR_BULK_PRIVATE_KEY again", lines[0], StringComparison.Ordinal);
        Assert.Equal("Run 'fhir-bulk export --help' for the options.", lines[1]);
    }

    [Fact]
    public async Task Export_ResumeFromFolderAlone_RecordedKeyFileGone_InvalidInputNamingIt()
    {
        var output = temp.File("e");
        var key = temp.File("key.pem");
        File.Copy(fixture.KeyFile, key);
        var export = await new CliRunner().RunAsync("export", "--server", fixture.BaseUrl, "--client-id", fixture.ClientId, "--key", key, "--type", "Patient", "--out", output);
        File.Delete(key);

        var resumed = await new CliRunner().RunAsync("export", "--resume", output);

        Assert.True(export.ExitCode == 0, export.ToString());
        Assert.Equal(3, resumed.ExitCode);
        Assert.Single(resumed.Error.Trim().Split('\n'));
        Assert.Contains(key, resumed.Error, StringComparison.Ordinal);
        Assert.Contains("--key", resumed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_ResumeWithAnotherServerGiven_RefusedNamingBoth()
    {
        var output = temp.File("e");
        var other = ServerFixture.UnusedServerUrl();
        var export = await new CliRunner().RunAsync(["export", .. fixture.Credentials(), "--type", "Patient", "--out", output]);

        var resumed = await new CliRunner().RunAsync("export", "--resume", output, "--server", other);

        Assert.True(export.ExitCode == 0, export.ToString());
        Assert.Equal(3, resumed.ExitCode);
        Assert.Contains(fixture.BaseUrl, resumed.Error, StringComparison.Ordinal);
        Assert.Contains(other, resumed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_ResumeOfGzipFilesExportWithoutTheOption_StillStoresGzipFiles()
    {
        var output = temp.File("e");
        await InterruptWhilePollingAsync(output, 2, ["--type", "Patient,Condition", "--gzip-files"]);

        var resumed = await new CliRunner().RunAsync("export", "--resume", output);

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Equal(["Condition.001.ndjson.gz", "Patient.001.ndjson.gz"], Directory.GetFiles(output, "*.ndjson*").Select(Path.GetFileName).Where(f => f != "log.ndjson").Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Export_ResumeOfARunningJob_FirstLineSaysPollingTheExistingJob()
    {
        var output = temp.File("e");
        await InterruptWhilePollingAsync(output, 2, ["--type", "Patient"]);

        var resumed = await new CliRunner().RunAsync("export", "--resume", output);

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Equal("Resume: polling the existing job", resumed.Output.Split('\n')[0].TrimEnd());
        Assert.DoesNotContain("kicked off", resumed.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_KilledBetweenWritingTheManifestAndSavingTheState_ResumeTakesTheManifestAsItsOwn()
    {
        // The manifest is written, then the state that records it: a kill between the two leaves a manifest.json the state
        // does not mention yet. It is this export's (its job has a status URL), not a stranger's; seen in CI as a refusal.
        var output = temp.File("e");
        await InterruptWhilePollingAsync(output, 2, ["--type", "Patient"]);
        await File.WriteAllTextAsync(Path.Combine(output, "manifest.json"), """{"transactionTime":"2026-12-01T00:00:00Z","request":"x","requiresAccessToken":true,"output":[],"error":[]}""");

        var resumed = await new CliRunner().RunAsync("export", "--resume", output);

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains("Patient", await File.ReadAllTextAsync(Path.Combine(output, "manifest.json")), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(output, "history")), "the manifest was moved away as a stranger's");
    }

    [Fact]
    public async Task Export_CancelFromFolderAlone_DeletesTheJobOnTheServer()
    {
        var output = temp.File("e");
        await InterruptWhilePollingAsync(output, 60, []);

        var cancelled = await new CliRunner().RunAsync("export", "--cancel", output, "--json");

        Assert.True(cancelled.ExitCode == 0, cancelled.ToString());
        Assert.True(System.Text.Json.JsonDocument.Parse(cancelled.Output).RootElement.GetProperty("deletedOnServer").GetBoolean());
    }

    [Fact]
    public async Task Export_CancelOfACompleteExport_SaysNothingWasLeftToCancelAndTheFolderStaysComplete()
    {
        var output = temp.File("e");
        var export = await new CliRunner().RunAsync(["export", .. fixture.Credentials(), "--type", "Patient", "--out", output]);
        Assert.True(export.ExitCode == 0, export.ToString());

        var cancelled = await new CliRunner().RunAsync("export", "--cancel", output);
        var resumed = await new CliRunner().RunAsync("export", "--resume", output);

        Assert.True(cancelled.ExitCode == 0, cancelled.ToString());
        Assert.Contains($"The export in {output} was already complete: nothing to cancel", cancelled.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("marked cancelled", cancelled.Output, StringComparison.Ordinal);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
    }

    [Fact]
    public async Task Export_ResumeAskingForGzipFilesTheExportWasStartedWithout_UsageError()
    {
        var output = temp.File("e");
        var export = await new CliRunner().RunAsync(["export", .. fixture.Credentials(), "--type", "Patient", "--out", output]);

        var resumed = await new CliRunner().RunAsync("export", "--resume", output, "--gzip-files");

        Assert.True(export.ExitCode == 0, export.ToString());
        Assert.Equal(2, resumed.ExitCode);
        Assert.Contains("--gzip-files", resumed.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--type", "Condition")]
    [InlineData("--since", "2020-01-01T00:00:00Z")]
    [InlineData("--level", "system")]
    public async Task Export_ResumeWithAnotherRequest_UsageErrorNamingTheOption(string option, string value)
    {
        var output = temp.File("e");
        var export = await new CliRunner().RunAsync(["export", .. fixture.Credentials(), "--type", "Patient", "--out", output]);

        var resumed = await new CliRunner().RunAsync("export", "--resume", output, option, value);

        Assert.True(export.ExitCode == 0, export.ToString());
        Assert.True(resumed.ExitCode == 2, resumed.ToString());
        Assert.Contains($"{option} cannot change on --resume", resumed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_FilesCannotBeDownloaded_PrintsTheResumeCommand()
    {
        var output = temp.File("e");
        var failing = fixture.Server.BaseUriWithFaults(new FaultOptions { FileErrorRate = 1, Seed = 2 }).ToString();

        var result = await new CliRunner().RunAsync("export", "--server", failing, "--client-id", fixture.ClientId, "--key", fixture.KeyFile, "--type", "Patient", "--retries", "0", "--out", output);

        Assert.True(result.ExitCode == 5, result.ToString());
        Assert.Contains("could not be downloaded", result.Error, StringComparison.Ordinal);
        Assert.Equal(["export", "--resume", output], HintedCommand(result));
    }

    [Fact]
    public async Task Export_ResumedAfterReExportsRanOut_LabelsThisRunsReExportsFromAttemptOne()
    {
        // Every file expires, so each run uses its whole re-export limit (2) and fails; the resume's re-exports are its own.
        var output = temp.File("expiring");
        var expiring = fixture.Server.BaseUriWithFaults(new FaultOptions { ExpiredFileRate = 1, Seed = 1 }).ToString();
        var first = await new CliRunner().RunAsync("export", "--server", expiring, "--client-id", fixture.ClientId, "--key", fixture.KeyFile, "--type", "Patient", "--retries", "0", "--out", output);

        var resumed = await new CliRunner().RunAsync("export", "--resume", output);

        Assert.True(first.ExitCode == 5, first.ToString());
        Assert.True(resumed.ExitCode == 5, resumed.ToString());
        Assert.Equal(["(attempt 1)", "(attempt 2)"], AttemptLabels(first));
        Assert.Equal(["(attempt 1)", "(attempt 2)"], AttemptLabels(resumed));
    }

    [Fact]
    public async Task Export_FileAnswered410_WarningNamesTheUrlOnceWithTheStatus()
    {
        var output = temp.File("gone");
        var expiring = fixture.Server.BaseUriWithFaults(new FaultOptions { ExpiredFileRate = 1, Seed = 1 }).ToString();

        var result = await new CliRunner().RunAsync("export", "--server", expiring, "--client-id", fixture.ClientId, "--key", fixture.KeyFile, "--type", "Patient", "--retries", "0", "--out", output);

        var warnings = result.Error.Split('\n').Where(l => l.Contains("Download of", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(warnings);
        Assert.All(warnings, w =>
        {
            Assert.Single(Regex.Matches(w, "https?://"));
            Assert.Contains("410", w, StringComparison.Ordinal);
        });
    }

    public void Dispose() => temp.Dispose();

    /// <summary>Files are sent slowly enough that a Ctrl-C lands while they download.</summary>
    private static List<string> AttemptLabels(CliResult result) =>
        [.. Regex.Matches(result.Error, @"\(attempt \d+\)").Select(m => m.Value)];

    private string SlowServer() =>
        fixture.Server.BaseUriWithFaults(new FaultOptions { TrickleBytesPerSecond = 300_000 }).ToString();

    private Task<CliResult> InterruptWhileDownloadingAsync(CliRunner runner, string output, string[] connection) =>
        InterruptAsync(
            runner,
            output,
            () => Directory.Exists(output) && Directory.EnumerateFiles(output, "*.part", SearchOption.AllDirectories).Any(f => new FileInfo(f).Length > 0),
            connection);

    /// <summary>Presses Ctrl-C once the job is kicked off, while it runs on the server for <paramref name="jobSeconds"/>.</summary>
    private Task<CliResult> InterruptWhilePollingAsync(string output, double jobSeconds, string[] arguments)
    {
        var state = Path.Combine(output, ".fhir-bulk-state.json");
        var slowJob = fixture.Server.BaseUriWithFaults(new FaultOptions { ExportDurationSeconds = jobSeconds }).ToString();
        return InterruptAsync(
            new CliRunner(),
            output,
            () => File.Exists(state) && File.ReadAllText(state).Contains("StatusUrl", StringComparison.Ordinal),
            ["--server", slowJob, "--client-id", fixture.ClientId, "--key", fixture.KeyFile, .. arguments]);
    }

    /// <summary>Starts an export into <paramref name="output"/> and presses Ctrl-C once <paramref name="when"/> holds.</summary>
    private static async Task<CliResult> InterruptAsync(CliRunner runner, string output, Func<bool> when, string[] arguments)
    {
        using var stop = new CancellationTokenSource();
        var running = await runner.StartAsync(stop.Token, ["export", .. arguments, "--out", output]);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!when() && !running.Completion.IsCompleted)
        {
            Assert.True(DateTime.UtcNow < deadline, "the export never reached the point to interrupt it at");
            await Task.Delay(10);
        }

        await stop.CancelAsync();
        var result = await running.Completion;
        Assert.True(result.ExitCode == 130, result.ToString());
        return result;
    }

    /// <summary>The command the hint on stderr says to run, split into arguments by a real shell, without the program name.</summary>
    private static string[] HintedCommand(CliResult result)
    {
        var line = result.Error.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("fhir-bulk ", StringComparison.Ordinal));
        using var shell = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", "printf '%s\\0' " + line]) { RedirectStandardOutput = true })!;
        var words = shell.StandardOutput.ReadToEnd().Split('\0')[..^1];
        shell.WaitForExit();
        Assert.Equal("fhir-bulk", words[0]);
        return words[1..];
    }

    /// <summary>What an uninterrupted export of the same server writes.</summary>
    private async Task<SortedDictionary<string, string>> CleanExportAsync()
    {
        var clean = temp.File("clean-" + Guid.NewGuid().ToString("N"));
        var result = await new CliRunner().RunAsync(["export", .. fixture.Credentials(), "--out", clean]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return Hashes(clean);
    }

    /// <summary>SHA-256 of every data file (NDJSON, gzip or not, under any subfolder) by relative path.</summary>
    private static SortedDictionary<string, string> Hashes(string directory) => new(
        Directory.EnumerateFiles(directory, "*.ndjson*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) != "log.ndjson")
            .ToDictionary(f => Path.GetRelativePath(directory, f), f => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f)))),
        StringComparer.Ordinal);
}
