using System.Text.Json;
using FhirBulk.Cli.Tests.Infrastructure;
using FhirBulk.Server;

namespace FhirBulk.Cli.Tests.Commands;

public sealed class InspectCommandTests : IDisposable
{
    private readonly TempFolder temp = new();

    [Fact]
    public async Task Inspect_ExportWithManifest_TypesCountsAndTransactionTime()
    {
        var folder = SmallExport.Write(temp);
        await File.WriteAllTextAsync(Path.Combine(folder, "manifest.json"), """
            {"transactionTime":"2026-11-28T10:00:00Z","request":"http://s/fhir/Patient/$export","requiresAccessToken":true,
             "output":[{"type":"Patient","url":"http://s/f/1","count":3},{"type":"Condition","url":"http://s/f/2","count":5}],"error":[]}
            """);

        var result = await new CliRunner().RunAsync("inspect", folder);

        // The manifest said 5 Conditions; the file has 4: both are shown, the difference is a warning, and not everything came through.
        Assert.True(result.ExitCode == 6, result.ToString());
        Assert.Matches(@"│ Patient +│ +1 │ +3 │ +[\d,]+ │ +3 │", result.Output);
        Assert.Matches(@"│ Condition +│ +1 │ +4 │ +[\d,]+ │ +5 │", result.Output);
        Assert.Contains("warning: Condition: manifest count 5, the folder holds 4", result.Error, StringComparison.Ordinal);
        Assert.Contains("2026-11-28T10:00:00Z", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_TransactionTimeWithMilliseconds_ShownAsTheServerWroteIt()
    {
        // It is the next _since: sync and the manifest show the server's text, and inspect must not tell another.
        var folder = SmallExport.Write(temp);
        await File.WriteAllTextAsync(Path.Combine(folder, "manifest.json"), """
            {"transactionTime":"2026-01-08T00:00:00.000Z","request":"http://s/fhir/Patient/$export","requiresAccessToken":true,"output":[],"error":[]}
            """);

        var text = await new CliRunner().RunAsync("inspect", folder);
        var json = await new CliRunner().RunAsync("inspect", folder, "--json");

        Assert.Contains("2026-01-08T00:00:00.000Z", text.Output, StringComparison.Ordinal);
        Assert.Equal("2026-01-08T00:00:00.000Z", JsonDocument.Parse(json.Output).RootElement.GetProperty("transactionTime").GetString());
    }

    [Theory]
    [InlineData("s3://AKIAXX:mysecretinurl@fhir/exports/run1", "mysecretinurl", false)]
    [InlineData("https://acct.blob.core.windows.net/c/p?sv=2020&sig=TOPSECRETSIG", "TOPSECRETSIG", false)]
    [InlineData("https://acct.blob.core.windows.net/c/p?sv=2020&sig=TOPSECRETSIG", "TOPSECRETSIG", true)]
    public async Task Inspect_LocationCarryingASecret_RefusedNamingTheFolderArgumentWithoutRepeatingIt(string location, string secret, bool verify)
    {
        var result = await new CliRunner().RunAsync(verify ? ["inspect", location, "--verify"] : ["inspect", location]);

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.StartsWith("error: folder: ", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, result.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_ErrorFolder_PartialSuccessAndJsonCounts()
    {
        var folder = SmallExport.Write(temp);
        Directory.CreateDirectory(Path.Combine(folder, "error"));
        await File.WriteAllTextAsync(Path.Combine(folder, "error", "OperationOutcome.000.ndjson"),
            """{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"processing"}]}""" + "\n");

        var result = await new CliRunner().RunAsync("inspect", folder, "--json");

        Assert.Equal(6, result.ExitCode);
        var json = JsonDocument.Parse(result.Output).RootElement;
        Assert.Equal(1, json.GetProperty("errors").GetInt64());
        Assert.Equal(4, json.GetProperty("types").GetProperty("MedicationRequest").GetInt64());
    }

    [Fact]
    public async Task Inspect_ExportStillRunning_SaysToWaitNotToResume()
    {
        // It said "finish it: fhir-bulk export --resume DIR", which the running export's lock then refused.
        await using var server = await BulkDataServer.StartAsync(new BulkDataServerOptions { Patients = 3, RequireAuth = false });
        var folder = temp.File("running");
        using var stop = new CancellationTokenSource();
        var running = await new CliRunner().StartAsync(stop.Token, ["export", "--server", server.BaseUriWithFaults(new FaultOptions { ExportDurationSeconds = 60 }).ToString(), "--type", "Patient", "--out", folder]);
        Assert.Equal("Export: kicked off", running.FirstLine);

        var result = await new CliRunner().RunAsync("inspect", folder);
        var json = await new CliRunner().RunAsync("inspect", folder, "--json");

        await stop.CancelAsync();
        await running.Completion;
        Assert.True(result.ExitCode == 6, result.ToString());
        Assert.Contains($"warning: {folder} holds an export that is still running (process {Environment.ProcessId}): some of its files are not there yet. Wait for it to finish, then inspect the folder again.", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("--resume", result.ToString(), StringComparison.Ordinal);
        var root = JsonDocument.Parse(json.Output).RootElement;
        Assert.Equal($"an export that is still running (process {Environment.ProcessId})", root.GetProperty("stillRunning").GetString());
        Assert.False(root.TryGetProperty("resumeCommand", out var resume) && resume.ValueKind != JsonValueKind.Null, json.Output);
    }

    [Fact]
    public async Task Inspect_MissingFolder_InvalidInput()
    {
        var result = await new CliRunner().RunAsync("inspect", temp.File("nope"));

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("nope", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_AFileInsteadOfAFolder_Exit3SayingItIsAFileNotAnExportFolder()
    {
        var file = temp.Write("notes.txt", "hello");

        var result = await new CliRunner().AsPipe().RunAsync("inspect", file);

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Equal($"error: '{file}' is a file, not an export folder (a folder of <Type>.*.ndjson files).", result.Error.Trim());
    }

    [Fact]
    public async Task Inspect_EmptyFolder_Exit3SayingItHoldsNoExport()
    {
        var folder = Directory.CreateDirectory(temp.File("empty")).FullName;

        var result = await new CliRunner().AsPipe().RunAsync("inspect", folder);

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Equal($"error: {folder} holds no export: no <Type>.*.ndjson files, no manifest.json and no export state.", result.Error.Trim());
        Assert.Equal("", result.Output);
    }

    public void Dispose() => temp.Dispose();
}
