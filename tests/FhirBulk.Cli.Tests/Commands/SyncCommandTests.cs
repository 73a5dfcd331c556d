using System.Diagnostics;
using System.Text.Json;
using FhirBulk.Cli.Tests.Infrastructure;
using FhirBulk.Server;
using FhirBulk.Sinks.DuckDb;
using Xunit.Abstractions;

namespace FhirBulk.Cli.Tests.Commands;

/// <summary><c>fhir-bulk sync</c> in a non-terminal console against an embedded server whose data advances.</summary>
public sealed class SyncCommandTests(ITestOutputHelper output) : IDisposable
{
    private const string PatientsView = """
        {"resourceType": "ViewDefinition", "name": "patients", "resource": "Patient", "status": "active",
         "select": [{"column": [{"name": "id", "path": "id"}, {"name": "gender", "path": "gender"}]}]}
        """;

    private const string ConditionsView = """
        {"resourceType": "ViewDefinition", "name": "conditions", "resource": "Condition", "status": "active",
         "select": [{"column": [{"name": "id", "path": "id"}, {"name": "patient", "path": "subject.reference"}, {"name": "abated", "path": "abatement.exists()"}]}]}
        """;

    private readonly TempFolder temp = new();

    /// <summary>A folder of views, each (file name, JSON).</summary>
    private string ViewsFolder(params (string Name, string Json)[] views)
    {
        var folder = Directory.CreateDirectory(temp.File("views")).FullName;
        foreach (var (name, json) in views)
        {
            File.WriteAllText(Path.Combine(folder, name), json);
        }

        return folder;
    }

    [Fact]
    public async Task Sync_FirstThenLaterRunsFromTheFolderAlone_IncrementsTablesAndTheRebuildAnnounced()
    {
        await using var server = await BulkDataServer.StartAsync(new BulkDataServerOptions { Patients = 10, Seed = 5, Steps = 0, RequireAuth = false });
        var views = ViewsFolder(("patients.json", PatientsView));
        var folder = temp.File("mart");

        var first = await new CliRunner().RunAsync(["sync", "--server", server.BaseUri.AbsoluteUri, "--out", folder, "--view", views]);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("Increment 1 (increments/0001)", first.Output, StringComparison.Ordinal);
        Assert.Matches(@"│ patients +│ +10 │", first.Output);
        Assert.Contains("the next sync exports changes since 2026-01-01T00:00:00.000Z", first.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b[", first.Output, StringComparison.Ordinal);

        await server.AdvanceAsync();
        var second = await new CliRunner().RunAsync(["sync", "--out", folder, "--view", views, "--json"]);
        Assert.True(second.ExitCode == 0, second.ToString());
        using (var summary = JsonDocument.Parse(second.Output))
        {
            Assert.Equal(2, summary.RootElement.GetProperty("increment").GetInt32());
            Assert.Equal("2026-01-08T00:00:00.000Z", summary.RootElement.GetProperty("transactionTime").GetString());
            Assert.True(summary.RootElement.GetProperty("tables").GetProperty("patients").GetInt64() > 10);
        }

        File.WriteAllText(Path.Combine(views, "conditions.json"), ConditionsView);
        var third = await new CliRunner().RunAsync(["sync", "--out", folder, "--view", views]);
        Assert.True(third.ExitCode == 0, third.ToString());
        Assert.Contains("note: the view definitions changed since the last sync: the tables were rebuilt from all 3 increments.", third.Error, StringComparison.Ordinal);
        Assert.Matches(@"│ conditions +│ +[1-9]", third.Output);
    }

    [Fact]
    public async Task Sync_FormatParquet_SnapshotPerIncrementKeptByLaterRunsThenCompactedToOne()
    {
        await using var server = await BulkDataServer.StartAsync(new BulkDataServerOptions { Patients = 10, Seed = 5, Steps = 0, RequireAuth = false });
        var view = temp.Write("conditions.json", ConditionsView);
        var folder = temp.File("mart");
        var lake = Path.Combine(folder, "lake");

        var first = await new CliRunner().RunAsync(["sync", "--server", server.BaseUri.AbsoluteUri, "--out", folder, "--view", view, "--format", "parquet"]);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains($"Tables in {lake};", first.Output, StringComparison.Ordinal);

        // Later runs keep the folder's format without being told.
        await server.AdvanceAsync();
        var second = await new CliRunner().RunAsync(["sync", "--out", folder, "--view", view, "--json"]);
        Assert.True(second.ExitCode == 0, second.ToString());
        long rows;
        using (var summary = JsonDocument.Parse(second.Output))
        {
            Assert.Equal(lake, summary.RootElement.GetProperty("lake").GetString());
            Assert.False(summary.RootElement.TryGetProperty("database", out _), second.Output);
            rows = summary.RootElement.GetProperty("tables").GetProperty("conditions").GetInt64();
            var changes = summary.RootElement.GetProperty("changes").GetProperty("conditions");
            Assert.True(changes.GetProperty("added").GetInt64() + changes.GetProperty("replaced").GetInt64() > 0, second.Output);
        }

        Assert.False(File.Exists(Path.Combine(folder, "tables.duckdb")));
        Assert.Equal(["snapshot=000001", "snapshot=000002"], Directory.GetDirectories(lake, "snapshot=*").Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(["000001.json", "000002.json"], Directory.GetFiles(Path.Combine(lake, "_snapshots")).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        var compact = await new CliRunner().RunAsync(["sync", "--out", folder, "--compact"]);
        Assert.True(compact.ExitCode == 0, compact.ToString());
        Assert.Contains("Compacted the lake into snapshot 3 (", compact.Output, StringComparison.Ordinal);
        Assert.Equal(["snapshot=000003"], Directory.GetDirectories(lake, "snapshot=*").Select(Path.GetFileName));
        using var record = JsonDocument.Parse(File.ReadAllText(Path.Combine(lake, "_snapshots", "000003.json")));
        Assert.Equal(3, record.RootElement.GetProperty("base").GetInt32());
        Assert.Equal(2, record.RootElement.GetProperty("increment").GetInt32());
        Assert.Equal(rows, record.RootElement.GetProperty("rows").GetProperty("conditions").GetInt64());
    }

    [Fact]
    public async Task Sync_ParquetLakeRebuiltAfterACompaction_SnapshotNumbersGoOnGrowing()
    {
        await using var server = await BulkDataServer.StartAsync(new BulkDataServerOptions { Patients = 10, Seed = 5, Steps = 0, RequireAuth = false });
        var views = ViewsFolder(("conditions.json", ConditionsView));
        var folder = temp.File("mart");
        var lake = Path.Combine(folder, "lake");
        var first = await new CliRunner().RunAsync(["sync", "--server", server.BaseUri.AbsoluteUri, "--out", folder, "--view", views, "--format", "parquet"]);
        Assert.True(first.ExitCode == 0, first.ToString());
        await server.AdvanceAsync();
        Assert.Equal(0, (await new CliRunner().RunAsync(["sync", "--out", folder, "--view", views])).ExitCode);
        Assert.Equal(0, (await new CliRunner().RunAsync(["sync", "--out", folder, "--compact"])).ExitCode);
        Assert.Equal(3, FhirBulk.Sync.FhirSync.ReadLatestSnapshot(lake)!.Snapshot);

        // A view change rebuilds the lake from the three increments: a new chain, numbered on from snapshot 3.
        File.WriteAllText(Path.Combine(views, "patients.json"), PatientsView);
        await server.AdvanceAsync();
        var rebuilt = await new CliRunner().RunAsync(["sync", "--out", folder, "--view", views, "--json"]);

        Assert.True(rebuilt.ExitCode == 0, rebuilt.ToString());
        Assert.Equal(["000004.json", "000005.json", "000006.json"], Directory.GetFiles(Path.Combine(lake, "_snapshots")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var latest = FhirBulk.Sync.FhirSync.ReadLatestSnapshot(lake)!;
        Assert.Equal((6, 4, 3), (latest.Snapshot, latest.Base, latest.Increment));
        using var summary = JsonDocument.Parse(rebuilt.Output);
        Assert.Equal(summary.RootElement.GetProperty("tables").GetProperty("patients").GetInt64(), latest.Rows["patients"]);
    }

    [Fact]
    public async Task Sync_FormatSwitchedToParquet_RebuildAnnouncedOnceAsAFormatChange()
    {
        await using var server = await BulkDataServer.StartAsync(new BulkDataServerOptions { Patients = 5, Seed = 5, Steps = 0, RequireAuth = false });
        var view = temp.Write("conditions.json", ConditionsView);
        var folder = temp.File("mart");
        var first = await new CliRunner().RunAsync(["sync", "--server", server.BaseUri.AbsoluteUri, "--out", folder, "--view", view]);
        Assert.True(first.ExitCode == 0, first.ToString());
        await server.AdvanceAsync();

        var switched = await new CliRunner().RunAsync(["sync", "--out", folder, "--view", view, "--format", "parquet"]);

        Assert.True(switched.ExitCode == 0, switched.ToString());
        Assert.DoesNotContain("view definitions", switched.Error, StringComparison.Ordinal);
        Assert.Single(switched.Error.Split('\n'), line => line.Contains("rebuil", StringComparison.OrdinalIgnoreCase));
        Assert.Contains("note: the tables' format changed since the last sync (now a Parquet lake; tables.duckdb, if still there, is no longer updated): the tables were rebuilt from all 2 increments.", switched.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sync_CompactADuckDbFolder_RefusedWithExit3()
    {
        await using var server = await BulkDataServer.StartAsync(new BulkDataServerOptions { Patients = 5, Seed = 5, Steps = 0, RequireAuth = false });
        var folder = temp.File("mart");
        var first = await new CliRunner().RunAsync(["sync", "--server", server.BaseUri.AbsoluteUri, "--out", folder, "--view", temp.Write("patients.json", PatientsView)]);
        Assert.True(first.ExitCode == 0, first.ToString());

        var compact = await new CliRunner().RunAsync(["sync", "--out", folder, "--compact"]);

        Assert.Equal(3, compact.ExitCode);
        Assert.Contains("only a lake (sync --format parquet) is compacted", compact.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sync_AnotherRequestThanTheFolderRecorded_RefusedWithExit3()
    {
        await using var server = await BulkDataServer.StartAsync(new BulkDataServerOptions { Patients = 5, Seed = 5, Steps = 0, RequireAuth = false });
        var view = temp.Write("patients.json", PatientsView);
        var folder = temp.File("mart");
        var first = await new CliRunner().RunAsync(["sync", "--server", server.BaseUri.AbsoluteUri, "--out", folder, "--view", view, "--type", "Patient"]);
        Assert.True(first.ExitCode == 0, first.ToString());

        var other = await new CliRunner().RunAsync(["sync", "--out", folder, "--view", view, "--type", "Patient,Condition"]);
        Assert.Equal(3, other.ExitCode);
        Assert.Contains("every increment must be exported alike", other.Error, StringComparison.Ordinal);

        // The setting that differs is named with both values, not the two requests written out whole.
        Assert.Contains("""(types: ["Patient"] here, ["Patient","Condition"] now)""", other.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("\"level\"", other.Error, StringComparison.Ordinal);
    }

    /// <summary>An increment that did not all come through is not applied (exit 6), and the hint is the command that exports it again.</summary>
    [Fact]
    public async Task Sync_IncrementExportPartial_Exit6NothingAppliedAndTheHintRunsItAgain()
    {
        await using var server = await BulkDataServer.StartAsync(new BulkDataServerOptions { Patients = 5, Seed = 5, Steps = 0, RequireAuth = false, Faults = new() { FailedFileRate = 1, Seed = 1 } });
        var view = temp.Write("patients.json", PatientsView);
        var folder = temp.File("mart");

        var result = await new CliRunner().RunAsync(["sync", "--server", server.BaseUri.AbsoluteUri, "--out", folder, "--view", view]);

        Assert.Equal(6, result.ExitCode);
        Assert.Matches(@"error: Increment 0001 is incomplete: the server reported \d+ error issues? \(read error/OperationOutcome[^)]*\.ndjson\); it was not applied ", result.Error);
        Assert.Contains($"it was not applied (the next increment asks only for changes after it, so its failed resources would be missing for good) and is kept in {Path.Combine(folder, "refused", "0001-")}", result.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(folder, "tables.duckdb")));
        Assert.False(Directory.Exists(Path.Combine(folder, "increments", "0001")));
        Assert.Contains("Nothing was applied to the tables. Run the same command again: it exports these changes again.", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Nothing was exported", result.Error, StringComparison.Ordinal);
    }

    /// <summary>The error line of a refused increment names the miscounted files and both counts, without a second line.</summary>
    [Fact]
    public async Task Sync_IncrementWithACountMismatch_Exit6OneErrorLineNamingEachFileAndBothCounts()
    {
        await using var server = await BulkDataServer.StartAsync(new BulkDataServerOptions { Patients = 5, Seed = 5, Steps = 0, RequireAuth = false, Faults = new() { MiscountRate = 1, Seed = 1 } });
        var view = temp.Write("patients.json", PatientsView);

        var result = await new CliRunner().RunAsync(["sync", "--server", server.BaseUri.AbsoluteUri, "--out", temp.File("mart"), "--view", view, "--type", "Patient,Condition"]);

        Assert.Equal(6, result.ExitCode);
        var line = Assert.Single(result.Error.Split('\n'), l => l.StartsWith("error: ", StringComparison.Ordinal));
        Assert.Matches(@"^error: Increment 0001 is incomplete: 2 files holding another count than the manifest's \((Condition|Patient)\.\d+\.ndjson: \d+ instead of \d+, (Condition|Patient)\.\d+\.ndjson: \d+ instead of \d+\); it was not applied .* and is kept in .*refused", line);
    }

    /// <summary>
    /// A first increment refused twice leaves two copies in refused/; the run that applies it removes them and says so, in
    /// its summary or as --json's refusedRemoved.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Sync_FirstIncrementRefusedTwiceThenApplied_CopiesRemovedAndTheSummarySaysHowMany(bool json)
    {
        await using var server = await BulkDataServer.StartAsync(new BulkDataServerOptions { Patients = 5, Seed = 5, Steps = 0, RequireAuth = false });
        var faulty = server.BaseUriWithFaults(new FaultOptions { FailedFileRate = 1, Seed = 1 }).AbsoluteUri;
        var view = temp.Write("patients.json", PatientsView);
        var folder = temp.File("mart");
        var refused = Path.Combine(folder, "refused");
        for (var run = 1; run <= 2; run++)
        {
            var failed = await new CliRunner().RunAsync(["sync", "--server", faulty, "--out", folder, "--view", view, "--quiet"]);
            Assert.True(failed.ExitCode == 6, failed.ToString());
            Assert.Equal(run, Directory.GetDirectories(refused).Length);
        }

        var applied = await new CliRunner().RunAsync(["sync", "--server", server.BaseUri.AbsoluteUri, "--out", folder, "--view", view, .. json ? ["--json"] : Array.Empty<string>()]);

        Assert.True(applied.ExitCode == 0, applied.ToString());
        Assert.False(Directory.Exists(refused));
        if (json)
        {
            using var summary = JsonDocument.Parse(applied.Output);
            Assert.Equal(2, summary.RootElement.GetProperty("refusedRemoved").GetInt32());
        }
        else
        {
            Assert.Contains("Removed 2 refused exports of applied increments from refused/ (their changes are in the tables now).", applied.Output, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("s3://bucket/mart")]
    [InlineData("az://account/container/mart")]
    public async Task Sync_OutIsAnObjectStorageLocation_UsageErrorNothingWritten(string location)
    {
        var view = temp.Write("patients.json", PatientsView);

        var result = await new CliRunner().RunAsync(["sync", "--server", "http://127.0.0.1:9/fhir", "--out", location, "--view", view]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"error: --out {location}: sync keeps its increments and tables in a local folder", result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.GetFullPath(location)), "a local folder was made from the location");
    }

    [Fact]
    public async Task Sync_TypeFilter_UsageErrorSayingWhyAndNothingWritten()
    {
        var view = temp.Write("patients.json", PatientsView);
        var folder = temp.File("mart");

        var result = await new CliRunner().RunAsync(["sync", "--server", "http://127.0.0.1:9/fhir", "--out", folder, "--view", view, "--type-filter", "Condition?clinical-status=active"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error: --type-filter: an export with _since and _typeFilter leaves out resources that changed so as to match the filter no more", result.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(folder));
    }

    /// <summary>
    /// A first sync against a wrong server: the hint must not be the short command (no server is recorded, so it would fail),
    /// and the same folder then syncs from the right server rather than being refused as the wrong one's.
    /// </summary>
    [Fact]
    public async Task Sync_FirstRunAgainstAWrongServer_HintIsTheSameCommandAndTheRightServerThenSyncsTheFolder()
    {
        await using var server = await BulkDataServer.StartAsync(new BulkDataServerOptions { Patients = 2, Seed = 5, Steps = 0, RequireAuth = false });
        var view = temp.Write("patients.json", PatientsView);
        var folder = temp.File("mart");

        var wrong = await new CliRunner().RunAsync(["sync", "--server", "http://127.0.0.1:9/fhir", "--out", folder, "--view", view, "--retries", "0"]);
        Assert.Equal(5, wrong.ExitCode);
        Assert.Contains("Nothing was exported or applied. Run the same command again (with the right --server, if it was wrong).", wrong.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("fhir-bulk sync --out", wrong.Error, StringComparison.Ordinal);

        var right = await new CliRunner().RunAsync(["sync", "--server", server.BaseUri.AbsoluteUri, "--out", folder, "--view", view]);
        Assert.True(right.ExitCode == 0, right.ToString());
        Assert.Contains("Increment 1 (increments/0001)", right.Output, StringComparison.Ordinal);
    }

    /// <summary>What <c>ls</c> shows after a first sync no server took: nothing new, no lock files.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Sync_FirstRunAgainstAWrongServer_OutLeftExactlyAsBefore(bool existedEmpty)
    {
        var view = temp.Write("patients.json", PatientsView);
        var folder = temp.File("mart");
        if (existedEmpty)
        {
            Directory.CreateDirectory(folder);
        }

        var before = Directory.GetFileSystemEntries(temp.Path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();

        var wrong = await new CliRunner().RunAsync(["sync", "--server", "http://127.0.0.1:9/fhir", "--out", folder, "--view", view, "--retries", "0"]);

        Assert.Equal(5, wrong.ExitCode);
        Assert.Equal(before, Directory.GetFileSystemEntries(temp.Path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Sync_TypeLeavesOutAViewsResource_WarnsThatItsTableStaysEmpty()
    {
        await using var server = await BulkDataServer.StartAsync(new BulkDataServerOptions { Patients = 2, Seed = 5, Steps = 0, RequireAuth = false });
        var views = ViewsFolder(("patients.json", PatientsView), ("conditions.json", ConditionsView));

        var result = await new CliRunner().RunAsync(["sync", "--server", server.BaseUri.AbsoluteUri, "--out", temp.File("mart"), "--view", views, "--type", "Patient"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("warning: conditions reads Condition resources, which --type (Patient) leaves out of every increment: table conditions stays empty.", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("patients reads", result.Error, StringComparison.Ordinal);
    }

    /// <summary>The default level is left out of the recorded request's JSON; the refusal names it all the same.</summary>
    [Fact]
    public async Task Sync_SystemLevelFolderAskedAtPatientLevel_RefusalNamesTheSystemLevel()
    {
        await using var server = await BulkDataServer.StartAsync(new BulkDataServerOptions { Patients = 2, Seed = 5, Steps = 0, RequireAuth = false });
        var view = temp.Write("patients.json", PatientsView);
        var folder = temp.File("mart");
        var first = await new CliRunner().RunAsync(["sync", "--server", server.BaseUri.AbsoluteUri, "--out", folder, "--view", view, "--level", "system"]);
        Assert.True(first.ExitCode == 0, first.ToString());

        var other = await new CliRunner().RunAsync(["sync", "--out", folder, "--view", view, "--level", "patient"]);

        Assert.Equal(3, other.ExitCode);
        Assert.Contains("""(level: "System" here, "Patient" now)""", other.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sync_InvalidViewInAFolder_Exit3NamingTheFileWithItsFolder()
    {
        await using var server = await BulkDataServer.StartAsync(new BulkDataServerOptions { Patients = 2, Seed = 5, Steps = 0, RequireAuth = false });
        var views = ViewsFolder(("patients.json", PatientsView), ("broken.json", """{"resourceType": "ViewDefinition", "name": "broken", "status": "active", "select": []}"""));

        var result = await new CliRunner().RunAsync(["sync", "--server", server.BaseUri.AbsoluteUri, "--out", temp.File("mart"), "--view", views]);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains($"error: {Path.Combine(views, "broken.json")}", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("export")]
    [InlineData("generated")]
    public async Task Sync_OutIsAFolderOfOtherFiles_RefusedWithExit3LeavingItAsItWas(string kind)
    {
        await using var server = await BulkDataServer.StartAsync(new BulkDataServerOptions { Patients = 2, Seed = 5, Steps = 0, RequireAuth = false });
        var view = temp.Write("patients.json", PatientsView);
        var folder = temp.File(kind);
        var made = kind == "export"
            ? await new CliRunner().RunAsync(["export", "--server", server.BaseUri.AbsoluteUri, "--out", folder, "--quiet"])
            : await new CliRunner().RunAsync(["generate", "--patients", "2", "--out", folder, "--quiet"]);
        Assert.True(made.ExitCode == 0, made.ToString());
        var before = Directory.GetFileSystemEntries(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();

        var result = await new CliRunner().RunAsync(["sync", "--server", server.BaseUri.AbsoluteUri, "--out", folder, "--view", view]);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains($"error: {folder} is not a sync folder (sync.json is missing) and holds", result.Error, StringComparison.Ordinal);
        Assert.Matches(@"entries sync did not write \(.*\.ndjson.*\): give a new or empty folder to start a sync in", result.Error);
        Assert.Equal(before, Directory.GetFileSystemEntries(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Sync_OutIsAnEmptyFolder_BecomesTheSyncFolder()
    {
        await using var server = await BulkDataServer.StartAsync(new BulkDataServerOptions { Patients = 2, Seed = 5, Steps = 0, RequireAuth = false });
        var view = temp.Write("patients.json", PatientsView);
        var folder = Directory.CreateDirectory(temp.File("empty")).FullName;

        var result = await new CliRunner().RunAsync(["sync", "--server", server.BaseUri.AbsoluteUri, "--out", folder, "--view", view]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(File.Exists(Path.Combine(folder, "sync.json")));
    }

    [Fact]
    public async Task Sync_CompactAFolderThatDoesNotExist_SaysSo()
    {
        var compact = await new CliRunner().RunAsync(["sync", "--out", temp.File("nosuchdir"), "--compact"]);

        Assert.Equal(3, compact.ExitCode);
        Assert.Contains("nosuchdir does not exist", compact.Error, StringComparison.Ordinal);
    }

    /// <summary>
    /// The issue's kill -9: a <c>fhir-bulk sync</c> process is killed as soon as it has recorded its exported increment in
    /// sync.json, i.e. while it updates the tables (or, when the update is quicker than the kill, right after its commit).
    /// The tables are then either the previous ones or the whole increment's, never a mix, and the next sync completes them.
    /// </summary>
    [Fact]
    public async Task Sync_ProcessKilledDuringTheTableUpdate_PreviousTablesIntactAndTheNextSyncCompletesThem()
    {
        await using var server = await BulkDataServer.StartAsync(new BulkDataServerOptions { Patients = 100, Seed = 9, Steps = 0, RequireAuth = false });
        var views = ViewsFolder(("patients.json", PatientsView), ("conditions.json", ConditionsView));
        var folder = temp.File("mart");
        var database = Path.Combine(folder, "tables.duckdb");
        string[] sync = ["sync", "--out", folder, "--view", views, "--quiet"];
        var first = await new CliRunner().RunAsync(["sync", "--server", server.BaseUri.AbsoluteUri, .. sync[1..]]);
        Assert.True(first.ExitCode == 0, first.ToString());

        var beforeCommit = 0;
        // Each round adds two increments: the killed run's, and the empty one the completing run exports after applying it.
        for (var round = 1; round <= 3; round++)
        {
            var increment = 2 * round;
            var previous = await TablesAsync(database);
            await server.AdvanceAsync();
            // The second round also changes a view, so that the update killed is a rebuild from all increments.
            if (round == 2)
            {
                File.WriteAllText(Path.Combine(views, "patients.json"), PatientsView.Replace("\"gender\"}", "\"gender\"}, {\"name\": \"born\", \"path\": \"birthDate\"}", StringComparison.Ordinal));
            }

            using (var child = CliProcess.Start(sync))
            {
                var statePath = Path.Combine(folder, "sync.json");
                var recorded = $"\"number\": {increment},";
                var watch = Stopwatch.StartNew();
                while (!child.HasExited && watch.Elapsed < TimeSpan.FromSeconds(60) && !ReadShared(statePath).Contains(recorded, StringComparison.Ordinal))
                {
                    await Task.Delay(1);
                }

                // SIGKILL: no handler, no finally, no flush of anything.
                child.Kill();
                await child.WaitForExitAsync();
                Assert.True(child.ExitCode != 0, $"the sync ended before it was killed: {await child.StandardError.ReadToEndAsync()}");
            }

            var afterKill = await TablesAsync(database);
            var completed = await new CliRunner().RunAsync(sync);
            Assert.True(completed.ExitCode == 0, completed.ToString());
            var applied = await TablesAsync(database);
            Assert.NotEqual(previous, applied);
            Assert.True(afterKill.SequenceEqual(previous) || afterKill.SequenceEqual(applied), "the killed update left a mix of the previous tables and the increment");
            beforeCommit += afterKill.SequenceEqual(previous) ? 1 : 0;
            output.WriteLine($"round {round}: the kill left the {(afterKill.SequenceEqual(previous) ? "previous" : "applied")} tables");
        }

        output.WriteLine($"{beforeCommit} of 3 kills landed before the commit");
        Assert.True(beforeCommit > 0, "no kill landed before a commit: the test showed nothing about an interrupted update");
    }

    /// <summary>sync.json as it is now, read while the child may be replacing it.</summary>
    private static string ReadShared(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return new StreamReader(stream).ReadToEnd();
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }

    private static async Task<List<string>> TablesAsync(string database)
    {
        var rows = new List<string>();
        foreach (var table in new[] { "patients", "conditions" })
        {
            await using var result = await DuckDbDatabase.QueryAsync(database, $"SELECT * FROM {table} ORDER BY ALL");
            await foreach (var row in result.ReadRowsAsync())
            {
                rows.Add(table + ": " + string.Join(" | ", row));
            }
        }

        return rows;
    }

    public void Dispose() => temp.Dispose();
}
