using System.Globalization;
using FhirBulk.Export;
using FhirBulk.IntegrationTests.Support;
using FhirBulk.Ndjson;
using FhirBulk.Server;
using FhirBulk.Sinks.DuckDb;
using FhirBulk.Sync;
using FhirBulk.Tables;
using Microsoft.Extensions.Time.Testing;

namespace FhirBulk.IntegrationTests.Sync;

/// <summary>
/// <see cref="FhirSync"/> against the embedded server whose data advances (<c>Steps = 0</c>, then <c>AdvanceAsync</c>): the
/// tables after each increment equal a full export and view run, and nothing a refused or interrupted increment does shows.
/// </summary>
public class SyncTests
{
    /// <summary>
    /// Views that exercise what an increment can do to rows: one row per resource, several per resource (<c>forEach</c>),
    /// and rows only while a <c>where</c> holds (a Condition resolved in a step drops out).
    /// </summary>
    internal static readonly KeyValuePair<string, string>[] Views =
    [
        KeyValuePair.Create("conditions.json", """
            {"resourceType": "ViewDefinition", "name": "active_conditions", "resource": "Condition", "status": "active",
             "where": [{"path": "abatement.exists().not()"}],
             "select": [{"column": [
               {"name": "id", "path": "id"}, {"name": "patient", "path": "subject.reference"},
               {"name": "code", "path": "code.coding.first().code"}, {"name": "version", "path": "meta.versionId"}]}]}
            """),
        KeyValuePair.Create("observations.json", """
            {"resourceType": "ViewDefinition", "name": "observation_codes", "resource": "Observation", "status": "active",
             "select": [{"column": [{"name": "id", "path": "id"}, {"name": "status", "path": "status"}, {"name": "patient", "path": "subject.reference"}]},
                        {"forEach": "code.coding", "column": [{"name": "system", "path": "system"}, {"name": "code", "path": "code"}]}]}
            """),
        KeyValuePair.Create("patients.json", """
            {"resourceType": "ViewDefinition", "name": "patients", "resource": "Patient", "status": "active",
             "select": [{"column": [{"name": "id", "path": "id"}, {"name": "gender", "path": "gender"}, {"name": "birth_date", "path": "birthDate"}]}]}
            """),
        KeyValuePair.Create("encounters.json", """
            {"resourceType": "ViewDefinition", "name": "encounters", "resource": "Encounter", "status": "active",
             "select": [{"column": [{"name": "id", "path": "id"}, {"name": "patient", "path": "subject.reference"}, {"name": "start", "path": "period.start"}]}]}
            """),
    ];

    private static Task<ServerHarness> StartAsync(int seed = 7) =>
        ServerHarness.StartAsync(o =>
        {
            o.Patients = 30;
            o.Seed = seed;
            o.Steps = 0;
        });

    private static async Task<ExportRequest> RequestAsync(BulkDataClient client, ExportLevel level) =>
        level == ExportLevel.Group
            ? new ExportRequest { Level = ExportLevel.Group, GroupId = (await client.ListGroupsAsync().FirstAsync()).Id }
            : new ExportRequest { Level = level };

    public static TheoryData<ExportLevel, int> LevelsAndSeeds() => new()
    {
        { ExportLevel.Patient, 1 },
        { ExportLevel.Patient, 2 },
        { ExportLevel.Group, 1 },
        { ExportLevel.Group, 2 },
    };

    /// <summary>The issue's "Done when" for DuckDB: K random steps (1 to 5), synced after each, equal a full export and view run at the end.</summary>
    [Theory]
    [MemberData(nameof(LevelsAndSeeds))]
    public async Task SyncAfterEachOfKRandomSteps_TablesEqualAFullExportAndViewRun(ExportLevel level, int seed)
    {
        var random = new Random(seed);
        await using var harness = await StartAsync(seed + 10);
        using var client = harness.CreateClient();
        var request = await RequestAsync(client, level);
        var views = SyncViews.FromJson(Views);
        var directory = harness.NewDirectory();
        var lakeDirectory = harness.NewDirectory();
        var sync = new FhirSync(client);
        var lakeSync = new FhirSync(client, new FhirSyncOptions { Format = SyncFormat.Parquet });
        var first = await sync.SyncAsync(directory, request, views);
        Assert.Equal(1, first.Increment);
        await lakeSync.SyncAsync(lakeDirectory, request, views);

        var steps = random.Next(1, 6);
        var deletions = 0;
        for (var step = 0; step < steps; step++)
        {
            await harness.Server.AdvanceAsync(random.Next(1, 3));
            var result = await sync.SyncAsync(directory, null, views);
            Assert.Equal(step + 2, result.Increment);
            deletions += result.DeletedResources;
            var lakeResult = await lakeSync.SyncAsync(lakeDirectory, null, views);
            Assert.Equal(result.RowsByTable, lakeResult.RowsByTable);
            Assert.Equal(result.ChangesByTable, lakeResult.ChangesByTable);
        }

        Assert.True(level == ExportLevel.Group || deletions > 0, "the steps deleted nothing: the test would not exercise deletions");
        await AssertEqualsFullRebuildAsync(harness, client, request, views, directory);
        await AssertLakeEqualsFullRebuildAsync(harness, client, request, views, lakeDirectory);

        // Compacted, the lake is one snapshot without tombstones and still the same rows.
        var compacted = await FhirSync.CompactAsync(lakeDirectory);
        Assert.Equal(compacted.Snapshot, compacted.Base);
        Assert.Single(Directory.GetDirectories(Path.Combine(lakeDirectory, "lake"), "snapshot=*"));
        Assert.Empty(await RowsAsync(null, $"SELECT * FROM read_parquet('{Path.Combine(lakeDirectory, "lake", $"snapshot={compacted.Snapshot:D6}", "_tombstones.parquet")}')"));
        await AssertLakeEqualsFullRebuildAsync(harness, client, request, views, lakeDirectory);
    }

    [Theory]
    [InlineData(TransactionTimeStyle.Malformed, "2026-01-08T00:00:00'", "not a FHIR instant")]
    [InlineData(TransactionTimeStyle.Earlier, "2025-01-08T00:00:00.000Z'", "not later than the previous increment's '2026-01-01T00:00:00.000Z'")]
    public async Task Sync_ServerTransactionTimeMalformedOrEarlier_RefusedNamingBothValuesTablesUntouched(TransactionTimeStyle style, string named, string why)
    {
        await using var synced = await SyncedOnceAsync();
        var (harness, _, directory, views, database) = synced;
        var before = await AllRowsAsync(database, views);
        var stateBefore = await File.ReadAllTextAsync(Path.Combine(directory, "sync.json"));
        await harness.Server.AdvanceAsync();

        // The same server as far as the folder can tell (same base URL), misbehaving in its manifest from now on.
        using var faulty = FaultyClient(harness, new FaultOptions { TransactionTimeStyle = style });
        var error = await Assert.ThrowsAsync<FhirBulkException>(() => new FhirSync(faulty).SyncAsync(directory, null, views));
        Assert.Contains("'" + named, error.Message, StringComparison.Ordinal);
        Assert.Contains(why, error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await AllRowsAsync(database, views));
        Assert.Equal(stateBefore, await File.ReadAllTextAsync(Path.Combine(directory, "sync.json")));
        Assert.False(Directory.Exists(Path.Combine(directory, "increments", "0002")));
        Assert.Single(Directory.GetDirectories(Path.Combine(directory, "refused")));
    }

    /// <summary>
    /// An increment whose export is partial (failed files in the manifest's error list, or a count mismatch) is not applied
    /// and does not move _since: the tables stay, the export goes to refused/, and the next run exports the same changes
    /// again, so a clean run then equals a full rebuild (applied, the failed resources' changes were lost for good).
    /// </summary>
    [Theory]
    [InlineData("failed files")]
    [InlineData("count mismatch")]
    public async Task Sync_IncrementExportPartial_NotAppliedAndExportedAgainByTheNextRun(string fault)
    {
        await using var synced = await SyncedOnceAsync();
        var (harness, client, directory, views, database) = synced;
        var before = await AllRowsAsync(database, views);
        var stateBefore = await File.ReadAllTextAsync(Path.Combine(directory, "sync.json"));
        await harness.Server.AdvanceAsync();

        using var faulty = FaultyClient(harness, fault == "failed files" ? new FaultOptions { FailedFileRate = 1, Seed = 3 } : new FaultOptions { MiscountRate = 1, Seed = 3 });
        var error = await Assert.ThrowsAsync<IncompleteIncrementException>(() => new FhirSync(faulty).SyncAsync(directory, null, views));
        Assert.StartsWith("Increment 0002 is incomplete: ", error.Message, StringComparison.Ordinal);
        // What failed is named (the error files, or each miscounted file with both counts), on one line.
        Assert.Matches(fault == "failed files"
            ? @"^Increment 0002 is incomplete: the server reported \d+ error issues? \(read error/[^)]+\.ndjson\); it was not applied "
            : @"^Increment 0002 is incomplete: \d+ files? holding another count than the manifest's \(\w+\.\d+\.ndjson: \d+ instead of \d+", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Equal(2, error.Increment);
        Assert.True(Directory.Exists(error.KeptIn));
        Assert.Equal(Path.Combine(directory, "refused"), Path.GetDirectoryName(error.KeptIn));
        Assert.Equal(before, await AllRowsAsync(database, views));
        Assert.Equal(stateBefore, await File.ReadAllTextAsync(Path.Combine(directory, "sync.json")));

        var result = await new FhirSync(client).SyncAsync(directory, null, views);
        Assert.Equal(2, result.Increment);
        Assert.Equal(ExportOutcome.Success, result.Export.Outcome);
        await AssertEqualsFullRebuildAsync(harness, client, new ExportRequest(), views, directory);
    }

    /// <summary>
    /// Copies of an increment that keeps failing pile up, one per run (two refused within the same second included), and the
    /// run that applies it removes every one and counts them, refused/ with them; a copy an earlier deletion left half
    /// deleted (its name, without its export state) goes too.
    /// </summary>
    [Fact]
    public async Task Sync_IncrementRefusedTwiceThenApplied_EveryRefusedCopyRemovedAndCounted()
    {
        await using var synced = await SyncedOnceAsync();
        var (harness, client, directory, views, _) = synced;
        await harness.Server.AdvanceAsync();
        var refused = Path.Combine(directory, "refused");
        using var faulty = FaultyClient(harness, new FaultOptions { FailedFileRate = 1, Seed = 3 });
        var failing = new FhirSync(faulty, new FhirSyncOptions { TimeProvider = new FakeTimeProvider(new DateTimeOffset(2026, 1, 9, 0, 0, 0, TimeSpan.Zero)) });
        var first = await Assert.ThrowsAsync<IncompleteIncrementException>(() => failing.SyncAsync(directory, null, views));
        await Assert.ThrowsAsync<IncompleteIncrementException>(() => failing.SyncAsync(directory, null, views));
        Assert.Equal(["0002-20260109T000000Z", "0002-20260109T000000Z-2"], Directory.GetDirectories(refused).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        File.Delete(Path.Combine(first.KeptIn, FhirBulk.ExportFolder.ExportState.FileName));

        var result = await new FhirSync(client).SyncAsync(directory, null, views);

        Assert.Equal(2, result.Increment);
        Assert.Equal(2, result.RefusedRemoved);
        Assert.False(Directory.Exists(refused));
    }

    /// <summary>
    /// Nothing in refused/ goes that no applied increment supersedes: copies stay while their increment keeps failing, a copy
    /// of an increment not applied yet stays through a run that applies an earlier one, and what sync did not name stays.
    /// </summary>
    [Fact]
    public async Task Sync_RefusedEntriesNotSuperseded_Kept()
    {
        await using var synced = await SyncedOnceAsync();
        var (harness, client, directory, views, _) = synced;
        await harness.Server.AdvanceAsync();
        var refused = Directory.CreateDirectory(Path.Combine(directory, "refused")).FullName;
        Directory.CreateDirectory(Path.Combine(refused, "0003-20260109T000000Z"));
        Directory.CreateDirectory(Path.Combine(refused, "why"));
        File.WriteAllText(Path.Combine(refused, "0002-notes.txt"), "the server timed out on Observation");
        using var faulty = FaultyClient(harness, new FaultOptions { FailedFileRate = 1, Seed = 3 });
        for (var run = 1; run <= 2; run++)
        {
            await Assert.ThrowsAsync<IncompleteIncrementException>(() => new FhirSync(faulty).SyncAsync(directory, null, views));
            Assert.Equal(run, Directory.GetDirectories(refused, "0002-*").Length);
        }

        var result = await new FhirSync(client).SyncAsync(directory, null, views);

        Assert.Equal(2, result.RefusedRemoved);
        Assert.Equal(["0002-notes.txt", "0003-20260109T000000Z", "why"], Directory.GetFileSystemEntries(refused).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    /// <summary>A rebuild (or a pending increment) reads increments again only once their files match what their exports recorded.</summary>
    [Theory]
    [InlineData("file deleted")]
    [InlineData("file changed")]
    [InlineData("folder deleted")]
    public async Task Sync_RebuildFromADamagedIncrement_RefusedNamingItTablesUntouched(string damage)
    {
        await using var synced = await SyncedOnceAsync();
        var (_, client, directory, views, database) = synced;
        var before = await AllRowsAsync(database, views);
        var first = Path.Combine(directory, "increments", "0001");
        var file = Directory.GetFiles(first, "Observation.*.ndjson").First();
        switch (damage)
        {
            case "file deleted":
                File.Delete(file);
                break;
            case "file changed":
                await File.AppendAllTextAsync(file, "{\"resourceType\":\"Observation\",\"id\":\"extra\"}\n");
                break;
            default:
                Directory.Delete(first, recursive: true);
                break;
        }

        var changed = SyncViews.FromJson([.. Views.Take(Views.Length - 1)]);
        var error = await Assert.ThrowsAsync<ExportFolderException>(() => new FhirSync(client).SyncAsync(directory, null, changed));
        Assert.StartsWith($"Cannot read increment 0001 of {directory} again: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(damage == "folder deleted" ? "its folder is missing" : Path.GetFileName(file), error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await AllRowsAsync(database, views));
    }

    /// <summary>A transactionTime in sync.json that is no FHIR instant must not become "no _since" (a full export, which lists no deletions).</summary>
    [Fact]
    public async Task Sync_RecordedTransactionTimeNotAnInstant_RefusedNamingTheValue()
    {
        await using var synced = await SyncedOnceAsync();
        var (harness, client, directory, views, _) = synced;
        var statePath = Path.Combine(directory, "sync.json");
        var state = await File.ReadAllTextAsync(statePath);
        var recorded = System.Text.RegularExpressions.Regex.Match(state, "\"transactionTime\": \"([^\"]+)\"").Groups[1].Value;
        await File.WriteAllTextAsync(statePath, state.Replace(recorded, "garbage", StringComparison.Ordinal));
        var kickoffs = harness.Requests.Count(r => r.Url.AbsolutePath.EndsWith("/$export", StringComparison.Ordinal));

        var error = await Assert.ThrowsAsync<ExportFolderException>(() => new FhirSync(client).SyncAsync(directory, null, views));
        Assert.Contains("increment 1's transactionTime as 'garbage', which is not a FHIR instant", error.Message, StringComparison.Ordinal);
        Assert.Equal(kickoffs, harness.Requests.Count(r => r.Url.AbsolutePath.EndsWith("/$export", StringComparison.Ordinal)));
    }

    /// <summary>An increment a crash left unapplied is applied first, and the run's changes count it.</summary>
    [Fact]
    public async Task Sync_PendingIncrementAppliedFirst_ReportedAndCountedInTheChanges()
    {
        await using var synced = await SyncedOnceAsync();
        var (harness, client, directory, views, _) = synced;
        await harness.Server.AdvanceAsync();
        var failing = new FhirSync(client) { BeforeCommit = _ => throw new IOException("injected: killed before the commit") };
        await Assert.ThrowsAsync<IOException>(() => failing.SyncAsync(directory, null, views));

        var result = await new FhirSync(client).SyncAsync(directory, null, views);
        Assert.Equal(3, result.Increment);
        Assert.Equal(2, result.PendingApplied);
        Assert.Equal(0, result.Export.TotalResources);
        Assert.Contains(result.ChangesByTable.Values, c => c.Added + c.Replaced + c.Deleted > 0);
    }

    /// <summary>
    /// A first sync whose kick-off no server took (a wrong base URL) leaves the folder as it was, so the same folder then
    /// syncs from the right server instead of being refused as the wrong one's.
    /// </summary>
    [Fact]
    public async Task Sync_FirstKickoffNeverTaken_FolderLeftAsItWasAndTheRightServerThenSyncs()
    {
        await using var harness = await StartAsync();
        using var client = harness.CreateClient();
        var directory = harness.NewDirectory();
        var views = SyncViews.FromJson(Views);
        using var wrong = new BulkDataClient(new Uri("http://127.0.0.1:9/fhir/"), new BulkDataClientOptions { MaxRetries = 0 });
        await Assert.ThrowsAnyAsync<FhirBulkException>(() => new FhirSync(wrong).SyncAsync(directory, new ExportRequest(), views));
        Assert.False(File.Exists(Path.Combine(directory, "sync.json")));
        Assert.False(Directory.Exists(Path.Combine(directory, "increments")));

        var result = await new FhirSync(client).SyncAsync(directory, new ExportRequest(), views);
        Assert.Equal(1, result.Increment);
    }

    /// <summary>
    /// A first sync no server took leaves no trace, its lock files included: a folder the run had to make (and the parents
    /// it made for it) is not there afterwards, and an empty folder given to it is empty again.
    /// </summary>
    [Theory]
    [InlineData("missing")]
    [InlineData("missing with its parent")]
    [InlineData("empty")]
    public async Task Sync_FirstKickoffNeverTaken_FolderExactlyAsBeforeLockFilesIncluded(string before)
    {
        var root = Directory.CreateTempSubdirectory("fhirbulk-it-").FullName;
        try
        {
            var directory = before == "missing with its parent" ? Path.Combine(root, "parent", "mart") : Path.Combine(root, "mart");
            if (before == "empty")
            {
                Directory.CreateDirectory(directory);
            }

            using var wrong = new BulkDataClient(new Uri("http://127.0.0.1:9/fhir/"), new BulkDataClientOptions { MaxRetries = 0 });
            await Assert.ThrowsAnyAsync<FhirBulkException>(() => new FhirSync(wrong).SyncAsync(directory, new ExportRequest(), SyncViews.FromJson(Views)));

            string[] left = before == "empty" ? [Path.GetFileName(directory)] : [];
            Assert.Equal(left, Directory.GetFileSystemEntries(root).Select(Path.GetFileName));
            if (before == "empty")
            {
                Assert.Empty(Directory.GetFileSystemEntries(directory));
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>A second sync of a folder while one runs is refused as a sync, not as "another export".</summary>
    [Fact]
    public async Task Sync_FolderLockedByAnotherSync_RefusalSaysSync()
    {
        await using var synced = await SyncedOnceAsync();
        var (_, client, directory, views, _) = synced;
        using var held = FhirBulk.ExportFolder.ExportFolderLock.Acquire(directory, "sync");

        var error = await Assert.ThrowsAsync<ExportFolderException>(() => new FhirSync(client).SyncAsync(directory, null, views));

        Assert.Contains("is in use by another fhir-bulk sync", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A first sync into a lake that was stopped during its export carries on into a lake when run again without the format.</summary>
    [Fact]
    public async Task Sync_FirstParquetSyncInterrupted_CarriesOnAsALake()
    {
        await using var harness = await StartAsync();
        using var client = harness.CreateClient();
        var directory = harness.NewDirectory();
        var views = SyncViews.FromJson(Views);
        using var cancel = new CancellationTokenSource();
        var stopAtDownloads = new CallbackProgress(p =>
        {
            if (p.Phase == ExportPhase.Downloading)
            {
                cancel.Cancel();
            }
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new FhirSync(client, new FhirSyncOptions { Format = SyncFormat.Parquet }).SyncAsync(directory, new ExportRequest(), views, stopAtDownloads, cancel.Token));

        var result = await new FhirSync(client).SyncAsync(directory, null, views);

        Assert.Equal(SyncFormat.Parquet, result.Format);
        Assert.False(File.Exists(Path.Combine(directory, "tables.duckdb")));
    }

    /// <summary>_since with _typeFilter never reports a resource that changed to match the filter no more: refused, as its rows would stay.</summary>
    [Fact]
    public async Task Sync_RequestWithTypeFilter_RefusedBeforeAnythingIsWritten()
    {
        await using var harness = await StartAsync();
        using var client = harness.CreateClient();
        var directory = harness.NewDirectory();
        var error = await Assert.ThrowsAsync<ArgumentException>(() => new FhirSync(client).SyncAsync(directory, new ExportRequest { TypeFilters = ["Condition?clinical-status=active"] }, SyncViews.FromJson(Views)));
        Assert.Contains("_typeFilter", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(directory));
    }

    [Fact]
    public async Task Sync_ViewDefinitionsChanged_TablesRebuiltFromEveryIncrementAndAnnounced()
    {
        await using var harness = await StartAsync();
        using var client = harness.CreateClient();
        var directory = harness.NewDirectory();
        var logs = new CollectingLoggerFactory();
        var sync = new FhirSync(client, logger: Microsoft.Extensions.Logging.LoggerFactoryExtensions.CreateLogger<FhirSync>(logs));
        await sync.SyncAsync(directory, new ExportRequest(), SyncViews.FromJson(Views));
        await harness.Server.AdvanceAsync();
        await sync.SyncAsync(directory, null, SyncViews.FromJson(Views));
        await harness.Server.AdvanceAsync();

        // One view fewer and one changed (a column added): the dropped table goes, the changed one is remade from increment 1.
        KeyValuePair<string, string>[] changed = [Views[0], Views[1], KeyValuePair.Create("patients.json", Views[2].Value.Replace("""{"name": "id", "path": "id"}""", """{"name": "id", "path": "id"}, {"name": "deceased", "path": "deceased.exists()"}""", StringComparison.Ordinal))];
        var views = SyncViews.FromJson(changed);
        var result = await sync.SyncAsync(directory, null, views);
        Assert.Equal(3, result.RebuiltFrom);
        Assert.Equal(SyncRebuildReasons.ViewsChanged, result.Rebuilt);
        Assert.Contains(logs.Messages, m => m.Contains("view definitions changed", StringComparison.Ordinal) && m.Contains("3 increment", StringComparison.Ordinal));

        await AssertEqualsFullRebuildAsync(harness, client, new ExportRequest(), views, directory);
        var database = Path.Combine(directory, "tables.duckdb");
        var tables = await RowsAsync(database, "SELECT table_name FROM information_schema.tables ORDER BY 1");
        Assert.DoesNotContain("encounters", tables);
    }

    [Fact]
    public async Task Sync_DuckDbFolderThenParquetWithChangedViews_LakeRebuiltFromEveryIncrementAsOneSnapshotEach()
    {
        await using var harness = await StartAsync();
        using var client = harness.CreateClient();
        var directory = harness.NewDirectory();
        await new FhirSync(client).SyncAsync(directory, new ExportRequest(), SyncViews.FromJson(Views));
        await harness.Server.AdvanceAsync();
        var lakeSync = new FhirSync(client, new FhirSyncOptions { Format = SyncFormat.Parquet });
        await lakeSync.SyncAsync(directory, null, SyncViews.FromJson(Views));
        await harness.Server.AdvanceAsync();

        // The lake made from the DuckDB folder's increments (snapshots 1 and 2) is rebuilt again, beside it, when a view
        // changes: one snapshot per increment, numbered on from the old lake's latest.
        var views = SyncViews.FromJson(Views[..3]);
        var result = await lakeSync.SyncAsync(directory, null, views);

        Assert.Equal(3, result.RebuiltFrom);
        Assert.Equal(SyncFormat.Parquet, result.Format);
        var latest = FhirSync.ReadLatestSnapshot(result.TablesPath)!;
        Assert.Equal((5, 3, 3), (latest.Snapshot, latest.Base, latest.Increment));
        Assert.Equal(["active_conditions", "observation_codes", "patients"], latest.Rows.Keys.Order(StringComparer.Ordinal));
        Assert.False(Directory.Exists(result.TablesPath + ".rebuild"));
        await AssertLakeEqualsFullRebuildAsync(harness, client, new ExportRequest(), views, directory);
    }

    [Fact]
    public async Task Sync_TableUpdateFailsBeforeCommit_PreviousTablesKeptAndNextSyncCompletesThem()
    {
        await using var synced = await SyncedOnceAsync();
        var (harness, client, directory, views, database) = synced;
        var before = await AllRowsAsync(database, views);
        await harness.Server.AdvanceAsync();

        var failing = new FhirSync(client) { BeforeCommit = _ => throw new IOException("injected: the disk went away before the commit") };
        await Assert.ThrowsAsync<IOException>(() => failing.SyncAsync(directory, null, views));
        Assert.Equal(before, await AllRowsAsync(database, views));

        // And a cancellation at the same point.
        using var cancel = new CancellationTokenSource();
        var cancelled = new FhirSync(client) { BeforeCommit = _ => { cancel.Cancel(); return ValueTask.CompletedTask; } };
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.SyncAsync(directory, null, views, cancellationToken: cancel.Token));
        Assert.Equal(before, await AllRowsAsync(database, views));

        // The next run applies the exported increment first, then exports and applies the next (empty) one.
        var result = await new FhirSync(client).SyncAsync(directory, null, views);
        Assert.Equal(3, result.Increment);
        await AssertEqualsFullRebuildAsync(harness, client, new ExportRequest(), views, directory);
    }

    [Fact]
    public async Task Sync_SameIncrementAppliedTwice_TablesUnchanged()
    {
        await using var synced = await SyncedOnceAsync();
        var (harness, client, directory, views, database) = synced;
        await harness.Server.AdvanceAsync();
        await new FhirSync(client).SyncAsync(directory, null, views);
        var applied = await AllRowsAsync(database, views);

        // As after a crash between the commit and sync.json's record: the increment is applied again.
        var statePath = Path.Combine(directory, "sync.json");
        await File.WriteAllTextAsync(statePath, (await File.ReadAllTextAsync(statePath)).Replace("\"applied\": true\n    }\n  ]", "\"applied\": false\n    }\n  ]", StringComparison.Ordinal));
        Assert.Contains("\"applied\": false", await File.ReadAllTextAsync(statePath), StringComparison.Ordinal);
        var result = await new FhirSync(client).SyncAsync(directory, null, views);
        Assert.Equal(3, result.Increment);
        Assert.Equal(applied, await AllRowsAsync(database, views));
    }

    /// <summary>
    /// Item 4's named edge cases in one step of the embedded server: an Observation deleted and re-created with the same id
    /// is in both the deleted Bundles and the output and keeps its new rows; a Condition updated and then deleted is only in
    /// the deleted Bundles and has none.
    /// </summary>
    [Fact]
    public async Task Sync_ResourceDeletedAndRecreatedOrUpdatedThenDeletedInOneIncrement_NewRowsKeptDeletedRowsGone()
    {
        await using var synced = await SyncedOnceAsync();
        var (harness, client, directory, views, database) = synced;
        await harness.Server.AdvanceAsync();
        var result = await new FhirSync(client).SyncAsync(directory, null, views);

        var deleted = (await new IncrementFolder(result.IncrementDirectory).DeletedKeysAsync(CancellationToken.None)).ToHashSet(StringComparer.Ordinal);
        var output = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var resource in NdjsonSource.FromFolder(result.IncrementDirectory).ReadAsync())
        {
            output.Add(resource.ResourceType + "/" + resource.Id);
        }

        var recreated = deleted.Where(k => k.StartsWith("Observation/", StringComparison.Ordinal) && output.Contains(k)).ToList();
        var gone = deleted.Where(k => k.StartsWith("Condition/", StringComparison.Ordinal) && !output.Contains(k)).ToList();
        Assert.NotEmpty(recreated);
        Assert.NotEmpty(gone);
        foreach (var key in recreated)
        {
            Assert.Contains(await RowsAsync(database, $"SELECT status FROM observation_codes WHERE _resource_key = '{key}'"), status => status == "amended");
        }

        Assert.Empty(await RowsAsync(database, $"SELECT * FROM active_conditions WHERE _resource_key IN ({string.Join(", ", gone.Select(k => $"'{k}'"))})"));
    }

    /// <summary>An increment whose export stopped part-way is resumed by the next run (not kicked off again), then applied.</summary>
    [Fact]
    public async Task Sync_CancelledDuringTheIncrementsExport_NextRunResumesItAndAppliesIt()
    {
        await using var synced = await SyncedOnceAsync();
        var (harness, client, directory, views, database) = synced;
        var before = await AllRowsAsync(database, views);
        await harness.Server.AdvanceAsync();

        using var cancel = new CancellationTokenSource();
        var stopAtDownloads = new CallbackProgress(p =>
        {
            if (p.Phase == ExportPhase.Downloading)
            {
                cancel.Cancel();
            }
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new FhirSync(client).SyncAsync(directory, null, views, stopAtDownloads, cancel.Token));
        Assert.Equal(before, await AllRowsAsync(database, views));
        var kickoffs = harness.Requests.Count(r => r.Url.AbsolutePath.EndsWith("/$export", StringComparison.Ordinal));
        Assert.Equal(2, kickoffs);

        var result = await new FhirSync(client).SyncAsync(directory, null, views);
        Assert.Equal(2, result.Increment);
        Assert.Equal(kickoffs, harness.Requests.Count(r => r.Url.AbsolutePath.EndsWith("/$export", StringComparison.Ordinal)));
        await AssertEqualsFullRebuildAsync(harness, client, new ExportRequest(), views, directory);
    }

    [Fact]
    public async Task Sync_AnotherRequestIntoTheSameFolder_RefusedNamingBoth()
    {
        await using var harness = await StartAsync();
        using var client = harness.CreateClient();
        var directory = harness.NewDirectory();
        var views = SyncViews.FromJson(Views);
        await new FhirSync(client).SyncAsync(directory, new ExportRequest { Types = ["Patient", "Condition"] }, views);
        var error = await Assert.ThrowsAsync<ExportFolderException>(() => new FhirSync(client).SyncAsync(directory, new ExportRequest { Types = ["Patient"] }, views));
        Assert.Contains("\"Patient\",\"Condition\"", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The sync folder's tables, without their key columns, hold the rows (every column, sorted) of a full export now with
    /// the views run over it by the ordinary pipeline, and none is empty.
    /// </summary>
    internal static async Task AssertEqualsFullRebuildAsync(ServerHarness harness, BulkDataClient client, ExportRequest request, SyncViews views, string syncDirectory)
    {
        var expected = await FullRebuildAsync(harness, client, request, views);

        foreach (var view in views.Views)
        {
            var table = view.Schema.Name;
            var wanted = await RowsAsync(expected, $"SELECT * FROM \"{table}\"");
            Assert.True(wanted.Count > 0, $"{table} is empty in the full rebuild");
            Assert.Equal(wanted, await RowsAsync(Path.Combine(syncDirectory, "tables.duckdb"), $"SELECT * EXCLUDE (_resource_key, _patient_key) FROM \"{table}\""));
        }
    }

    /// <summary>A full export of the server's data as it is now, and its view run into a DuckDB file (returned).</summary>
    private static async Task<string> FullRebuildAsync(ServerHarness harness, BulkDataClient client, ExportRequest request, SyncViews views)
    {
        var folder = harness.NewDirectory();
        await client.ExportToDirectoryAsync(request, folder);
        var expected = Path.Combine(folder, "full.duckdb");
        await using (var sink = new DuckDbSink(expected))
        {
            await new FhirTables().RunAsync(NdjsonSource.FromFolder(folder), views.Views, sink);
        }
        return expected;
    }

    /// <summary>The Parquet lake's current rows, read as docs/cli.md tells readers to, equal a full export and view run.</summary>
    internal static async Task AssertLakeEqualsFullRebuildAsync(ServerHarness harness, BulkDataClient client, ExportRequest request, SyncViews views, string syncDirectory)
    {
        var expected = await FullRebuildAsync(harness, client, request, views);

        var lake = Path.Combine(syncDirectory, "lake");
        var snapshot = FhirSync.ReadLatestSnapshot(lake)!;
        foreach (var view in views.Views)
        {
            var table = view.Schema.Name;
            var wanted = await RowsAsync(expected, $"SELECT * FROM \"{table}\"");
            Assert.True(wanted.Count > 0, $"{table} is empty in the full rebuild");
            Assert.Equal(wanted, await RowsAsync(null, $"SELECT * EXCLUDE (_resource_key, _patient_key) FROM ({FhirSync.CurrentRowsSql(lake, table, snapshot)})"));
        }
    }

    /// <summary>A server of its own whose data has not advanced yet, and a sync folder synced once from it (Patient level, <see cref="Views"/>).</summary>
    private static async Task<SyncedFolder> SyncedOnceAsync()
    {
        var harness = await StartAsync();
        var client = harness.CreateClient();
        var directory = harness.NewDirectory();
        var views = SyncViews.FromJson(Views);
        await new FhirSync(client).SyncAsync(directory, new ExportRequest(), views);
        return new SyncedFolder(harness, client, directory, views, Path.Combine(directory, "tables.duckdb"));
    }

    private sealed record SyncedFolder(ServerHarness Harness, BulkDataClient Client, string Directory, SyncViews Views, string Database) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await Harness.DisposeAsync();
        }
    }

    internal static async Task<List<string>> AllRowsAsync(string database, SyncViews views)
    {
        var all = new List<string>();
        foreach (var view in views.Views)
        {
            all.Add("table " + view.Schema.Name);
            all.AddRange(await RowsAsync(database, $"SELECT * FROM \"{view.Schema.Name}\""));
        }

        return all;
    }

    /// <summary>Every row of a query as text, every column, sorted; on an in-memory database when <paramref name="database"/> is null.</summary>
    internal static async Task<List<string>> RowsAsync(string? database, string sql)
    {
        await using var result = database is null ? await DuckDbDatabase.QueryInMemoryAsync(sql) : await DuckDbDatabase.QueryAsync(database, sql);
        var rows = new List<string>();
        await foreach (var row in result.ReadRowsAsync())
        {
            rows.Add(string.Join(" | ", row.Select(v => v is null ? "NULL" : Convert.ToString(v, CultureInfo.InvariantCulture))));
        }

        rows.Sort(StringComparer.Ordinal);
        return rows;
    }

    /// <summary>A client of the harness's server as far as a sync folder can tell (its base URL), meeting <paramref name="faults"/>.</summary>
    private static BulkDataClient FaultyClient(ServerHarness harness, FaultOptions faults) =>
        harness.CreateClient(configure: o => o.HttpClient = new HttpClient(new RedirectingHandler(harness.Server.BaseUri, harness.Server.BaseUriWithFaults(faults)) { InnerHandler = new SocketsHttpHandler { AllowAutoRedirect = false } }));

    /// <summary>Sends what a client asks of one base URL to another.</summary>
    private sealed class RedirectingHandler(Uri from, Uri to) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var url = request.RequestUri!.AbsoluteUri;
            var prefix = from.AbsoluteUri.TrimEnd('/');
            if (url.StartsWith(prefix + "/", StringComparison.Ordinal))
            {
                request.RequestUri = new Uri(to.AbsoluteUri.TrimEnd('/') + url[prefix.Length..]);
            }

            return base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>Reports on the caller's thread, so a cancellation lands at a known point.</summary>
    private sealed class CallbackProgress(Action<ExportProgress> report) : IProgress<ExportProgress>
    {
        public void Report(ExportProgress value) => report(value);
    }
}
