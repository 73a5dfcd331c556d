using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using DuckDB.NET.Data;
using FhirBulk.Ndjson;
using FhirBulk.Sinks.DuckDb;
using FhirBulk.Sinks.Parquet;
using FhirBulk.Tables;
using FhirBulk.Tests.Tables.TestSupport;
using FhirBulk.Views;

namespace FhirBulk.Tests.Sinks;

public sealed class ParquetLakeSinkTests : IDisposable
{
    // Lines of a few hundred bytes and a small unit, so that files are cut into ranges that lines cross.
    private const long UnitBytes = 700;

    private readonly TempFolder _dir = new();

    private static ICompiledView[] Views() =>
    [
        new FieldView("patients", "Patient", ("id", "id", "id"), ("gender", "gender", "code")),
        new FieldView("observations", "Observation", ("id", "id", "id"), ("value", "valueQuantity.value", "decimal")),
    ];

    [Fact]
    public async Task Lake_ThreeShardRuns_SameRowsAsOneRunThroughReadParquetGlob()
    {
        string input = WriteExport(patients: 40, observations: 90);
        string single = _dir.File("single");
        string sharded = _dir.File("sharded");

        await RunShardAsync(input, single, new ShardSpec(0, 1));
        for (int k = 0; k < 3; k++)
        {
            await RunShardAsync(input, sharded, new ShardSpec(k, 3), rowsPerPart: 7);
        }

        foreach (string view in new[] { "patients", "observations" })
        {
            Assert.Equal(await CountAsync(single, view), await CountAsync(sharded, view));
            Assert.Equal(0L, await ScalarAsync($"SELECT count(*) FROM (SELECT * FROM {Glob(single, view)} EXCEPT ALL SELECT * FROM {Glob(sharded, view)})"));
            Assert.Equal(0L, await ScalarAsync($"SELECT count(*) FROM (SELECT * FROM {Glob(sharded, view)} EXCEPT ALL SELECT * FROM {Glob(single, view)})"));
        }

        Assert.Equal(40L, await CountAsync(sharded, "patients"));
        Assert.Equal(90L, await CountAsync(sharded, "observations"));
        ParquetLakeStatus status = ParquetLake.Check(sharded);
        Assert.True(status.IsComplete, string.Join("\n", status.Problems));
        Assert.Equal(3, status.ShardCount);
    }

    [Fact]
    public async Task CompleteAsync_RowsPastRowsPerPart_SeveralPartsOfAtMostThatManyRows()
    {
        string input = WriteExport(patients: 11, observations: 0);
        string lake = _dir.File("lake");

        await RunShardAsync(input, lake, ShardSpec.Single, rowsPerPart: 4);

        Assert.Equal(
            ["part-00000-00000.parquet", "part-00000-00001.parquet", "part-00000-00002.parquet"],
            Directory.GetFiles(Path.Combine(lake, "patients"), "*.parquet").Select(Path.GetFileName).Order(StringComparer.Ordinal));
        ParquetLakeRun run = ParquetLake.Check(lake).Runs.Single();
        Assert.Equal([4L, 4L, 3L], run.Views.Single(v => v.Name == "patients").Parts.Select(p => p.Rows));
        Assert.Equal(11L, await CountAsync(lake, "patients"));
    }

    [Fact]
    public async Task CompleteAsync_ViewWithoutRows_OneEmptyPartWithItsColumnsAndSchemaJson()
    {
        string input = WriteExport(patients: 2, observations: 0);
        string lake = _dir.File("lake");

        await RunShardAsync(input, lake, ShardSpec.Single);

        Assert.Equal(0L, await CountAsync(lake, "observations"));
        Assert.Equal("id,value", await StringAsync($"SELECT string_agg(column_name, ',' ORDER BY column_name) FROM (DESCRIBE SELECT * FROM {Glob(lake, "observations")})"));
        string schema = await File.ReadAllTextAsync(Path.Combine(lake, "observations", ParquetLake.SchemaFileName));
        Assert.Contains("\"resource\": \"Observation\"", schema, StringComparison.Ordinal);
        Assert.Contains("\"fhirType\": \"decimal\"", schema, StringComparison.Ordinal);
        // The stable schema's document, as view --schema json prints it: SQL types and nullability too.
        Assert.Contains("\"type\": ", schema, StringComparison.Ordinal);
        Assert.Contains("\"nullable\": ", schema, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_CancelledAfterPartsWereCopiedOut_NothingNewInTheLakeAndPreviousLakeKept()
    {
        (string input, string lake, Dictionary<string, byte[]> before) = await LakeOfOneRunAsync(patients: 800, observations: 0);
        using var cancel = new CancellationTokenSource();
        var seenDuringRun = new List<string>();
        int evaluated = 0;
        var view = new FieldView("patients", "Patient", ("id", "id", "id"))
        {
            BeforeEvaluate = _ =>
            {
                // One thread evaluates batches of 256 and writes a batch once the next is evaluated: by resource 700
                // the first 256 rows are written, four parts of 64 copied out.
                if (++evaluated == 700)
                {
                    // Finished parts wait on local scratch disk until the sink completes: none is in the lake, staged or not.
                    seenDuringRun.AddRange(Directory.GetFiles(Path.Combine(lake, "patients"), "*", SearchOption.AllDirectories).Select(Path.GetFileName).Order(StringComparer.Ordinal)!);
                    cancel.Cancel();
                }
            },
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => RunShardAsync(input, lake, ShardSpec.Single, rowsPerPart: 64, views: [view], cancellationToken: cancel.Token));

        Assert.Equal(["_schema.json", "part-00000-00000.parquet"], seenDuringRun);
        Assert.Equal(before, Snapshot(lake));
    }

    [Fact]
    public async Task RunAsync_RerunCancelledOnceItsFirstPartIsInTheStore_EarlierLakeByteIdenticalAndComplete()
    {
        (string input, string lake, Dictionary<string, byte[]> before) = await LakeOfOneRunAsync(patients: 40, observations: 30);
        using var cancel = new CancellationTokenSource();
        // Ctrl-C the moment the first part of the rerun is complete in the lake's folder (under whatever name): parts of 3 rows
        // leave more than twenty still to write, the earlier run's among the names.
        using var watcher = new FileSystemWatcher(lake) { IncludeSubdirectories = true, EnableRaisingEvents = true };
        watcher.Renamed += (_, e) =>
        {
            if (e.Name!.EndsWith(".parquet", StringComparison.Ordinal))
            {
                cancel.Cancel();
            }
        };

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => RunShardAsync(input, lake, ShardSpec.Single, rowsPerPart: 3, cancellationToken: cancel.Token));

        Assert.Equal(before, Snapshot(lake));
        Assert.Equal([Path.Combine(lake, "_runs"), Path.Combine(lake, "observations"), Path.Combine(lake, "patients")], Directory.GetDirectories(lake).Order(StringComparer.Ordinal));
        ParquetLakeStatus status = ParquetLake.Check(lake);
        Assert.True(status.IsComplete, string.Join("\n", status.Problems));
        Assert.Equal(40L, await CountAsync(lake, "patients"));
    }

    [Fact]
    public async Task Check_OneShardOfAnotherInput_NamedAsOneShard()
    {
        string lake = _dir.File("lake");
        await RunShardAsync(WriteExport(patients: 4, observations: 2), lake, new ShardSpec(0, 2));
        // Shard 1 is run over the export as it is after a change: its plan is another input's.
        await RunShardAsync(WriteExport(patients: 6, observations: 3), lake, new ShardSpec(1, 2));

        ParquetLakeStatus status = ParquetLake.Check(lake);

        Assert.False(status.IsComplete);
        Assert.Contains(status.Problems, p => p.StartsWith("shard 1 split a different input (plan ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Check_StagedObjectsOfARecordedRun_NamesTheStoppedMoves()
    {
        (string input, string lake, _) = await LakeOfOneRunAsync(patients: 5, observations: 0);
        string runId = ParquetLake.Check(lake).Runs.Single().RunId;
        // What a run killed while moving its parts into place leaves: its record, and a part still staged.
        string staged = Path.Combine(lake, "_staging", runId, "patients");
        Directory.CreateDirectory(staged);
        File.Copy(Path.Combine(lake, "patients", "part-00000-00000.parquet"), Path.Combine(staged, "part-00000-00000.parquet"));

        ParquetLakeStatus status = ParquetLake.Check(lake);

        Assert.False(status.IsComplete);
        Assert.Contains(status.Problems, p => p.StartsWith($"run {runId} was stopped while moving its parts into place: 1 object still under _staging/{runId}/", StringComparison.Ordinal));

        // The shard's next run clears what is staged and leaves a complete lake.
        await RunShardAsync(input, lake, ShardSpec.Single);
        Assert.False(Directory.Exists(Path.Combine(lake, "_staging")));
        Assert.True(ParquetLake.Check(lake).IsComplete);
    }

    [Fact]
    public async Task RunAsync_AfterKilledRunsLeftEmptyStagingFolders_ShardsNextRunRemovesThemAndStagingGoes()
    {
        string input = WriteExport(patients: 10, observations: 10);
        string lake = _dir.File("lake");
        await RunShardAsync(input, lake, new ShardSpec(0, 2));
        // What killed runs of shard 0 leave once their objects are gone: folders without files, which no listing of the store sees.
        string killed = Path.Combine(lake, "_staging", "20261201T000000000Z-shard-0-of-2-abcdefgh");
        Directory.CreateDirectory(Path.Combine(killed, "patients"));
        Directory.CreateDirectory(Path.Combine(lake, "_staging", "20261201T000000001Z-shard-0-of-2-ijklmnop", "observations"));
        await File.WriteAllBytesAsync(Path.Combine(killed, $"patients-unfinished.{Guid.NewGuid():N}.tmp"), [1]);
        // Another shard's run may be staging now: its folder is not this shard's to remove.
        string other = Path.Combine(lake, "_staging", "20261201T000000002Z-shard-1-of-2-qrstuvwx", "patients");
        Directory.CreateDirectory(other);

        await RunShardAsync(input, lake, new ShardSpec(0, 2));

        Assert.Equal([Path.Combine(lake, "_staging", "20261201T000000002Z-shard-1-of-2-qrstuvwx")], Directory.GetDirectories(Path.Combine(lake, "_staging")));
        Directory.Delete(other);
        Directory.Delete(Path.GetDirectoryName(other)!);

        await RunShardAsync(input, lake, new ShardSpec(0, 2));

        Assert.False(Directory.Exists(Path.Combine(lake, "_staging")));
    }

    [Fact]
    public async Task RunAsync_Shard0Of2AgainWithOtherParts_Shard1PartsUntouchedAndOwnOldPartsGone()
    {
        string input = WriteExport(patients: 30, observations: 30);
        string lake = _dir.File("lake");
        await RunShardAsync(input, lake, new ShardSpec(0, 2), rowsPerPart: 2);
        await RunShardAsync(input, lake, new ShardSpec(1, 2));
        Dictionary<string, byte[]> shard1 = Snapshot(lake).Where(f => f.Key.Contains("part-00001-", StringComparison.Ordinal)).ToDictionary();
        DateTime[] shard1Times = [.. shard1.Keys.Select(f => File.GetLastWriteTimeUtc(Path.Combine(lake, f)))];

        await RunShardAsync(input, lake, new ShardSpec(0, 2), rowsPerPart: 1000);

        Assert.Equal(shard1, Snapshot(lake).Where(f => f.Key.Contains("part-00001-", StringComparison.Ordinal)).ToDictionary());
        Assert.Equal(shard1Times, shard1.Keys.Select(f => File.GetLastWriteTimeUtc(Path.Combine(lake, f))));
        Assert.Equal(["part-00000-00000.parquet"], Directory.GetFiles(Path.Combine(lake, "patients"), "part-00000-*").Select(Path.GetFileName));
        ParquetLakeStatus status = ParquetLake.Check(lake);
        Assert.True(status.IsComplete, string.Join("\n", status.Problems));
        Assert.Equal(2, Directory.GetFiles(Path.Combine(lake, ParquetLake.RunsFolderName)).Length);
        Assert.Equal(30L, await CountAsync(lake, "patients"));
    }

    [Fact]
    public async Task CompleteAsync_OneShardRunIntoLakeOfATwoShardRun_StatusIncompleteNamingTheOtherRunsShard()
    {
        string input = WriteExport(patients: 30, observations: 30);
        string lake = _dir.File("lake");
        Assert.Null(await RunShardAsync(input, lake, new ShardSpec(0, 2)));
        Assert.Null(await RunShardAsync(input, lake, new ShardSpec(1, 2)));

        // ShardSpec.Single is what both `view` without --shard and `view --shard 0/1` run.
        ParquetLakeStatus? status = await RunShardAsync(input, lake, ShardSpec.Single);

        Assert.NotNull(status);
        Assert.False(status.IsComplete);
        Assert.Equal(1, status.ShardCount);
        Assert.Contains(status.Problems, p => p.StartsWith("shard 1/2 (", StringComparison.Ordinal) && p.Contains("belongs to a run of 2 shards, the latest run has 1.", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(lake, "patients", "part-00001-00000.parquet")), "another run's part is left for the caller to delete");
    }

    [Fact]
    public async Task Check_OneShardRunOverATwoShardRun_ShardsTextTellsTheRunsApartNotTwoShardsOfOne()
    {
        string input = WriteExport(patients: 30, observations: 30);
        string lake = _dir.File("lake");
        await RunShardAsync(input, lake, new ShardSpec(0, 2));
        await RunShardAsync(input, lake, new ShardSpec(1, 2));
        await RunShardAsync(input, lake, ShardSpec.Single);

        ParquetLakeStatus status = ParquetLake.Check(lake);

        Assert.Equal("1 shard of 1, and shard 1/2 of another run", status.ShardsText);
        Assert.Equal((0, 1), (status.LatestRunShards.Single().ShardIndex, status.LatestRunShards.Single().ShardCount));
        Assert.Equal((1, 2), (status.OtherRunShards.Single().ShardIndex, status.OtherRunShards.Single().ShardCount));
        Assert.True(status.IsLake);
    }

    [Fact]
    public void Check_ExportFolderOrEmptyFolder_NotALakeRatherThanALakeMissingShards()
    {
        string export = WriteExport(patients: 3, observations: 3);
        File.WriteAllText(Path.Combine(export, "manifest.json"), "{}");
        string empty = Directory.CreateDirectory(_dir.File("empty")).FullName;

        Assert.False(ParquetLake.Check(export).IsLake);
        Assert.False(ParquetLake.Check(empty).IsLake);
        Assert.Equal("no shard", ParquetLake.Check(export).ShardsText);
    }

    [Fact]
    public async Task CompleteAsync_OneShardRunAgain_StatusComplete()
    {
        string input = WriteExport(patients: 10, observations: 10);
        string lake = _dir.File("lake");
        await RunShardAsync(input, lake, ShardSpec.Single);

        ParquetLakeStatus? status = await RunShardAsync(input, lake, ShardSpec.Single);

        Assert.NotNull(status);
        Assert.True(status.IsComplete, string.Join("\n", status.Problems));
    }

    [Fact]
    public async Task Check_OneShardOfThreeWritten_MissingShardsNamedAndIncomplete()
    {
        string input = WriteExport(patients: 10, observations: 10);
        string lake = _dir.File("lake");

        await RunShardAsync(input, lake, new ShardSpec(1, 3));

        ParquetLakeStatus status = ParquetLake.Check(lake);
        Assert.False(status.IsComplete);
        Assert.True(status.IsLake);
        Assert.Equal([0, 2], status.MissingShards);
        Assert.Equal("1 shard of 3", status.ShardsText);
        Assert.Empty(status.Problems);
    }

    [Fact]
    public async Task Check_PartNoRunLists_ReportedAsProblem()
    {
        string input = WriteExport(patients: 10, observations: 10);
        string lake = _dir.File("lake");
        await RunShardAsync(input, lake, ShardSpec.Single);

        File.Copy(Path.Combine(lake, "patients", "part-00000-00000.parquet"), Path.Combine(lake, "patients", "part-00007-00000.parquet"));

        ParquetLakeStatus status = ParquetLake.Check(lake);
        Assert.False(status.IsComplete);
        Assert.Contains(status.Problems, p => p.StartsWith("patients/part-00007-00000.parquet is listed by no shard", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Check_UnfinishedWriteOfAKilledRunInAViewFolder_ReportedAndGoneAfterThatShardRunsAgain()
    {
        string input = WriteExport(patients: 10, observations: 10);
        string lake = _dir.File("lake");
        await RunShardAsync(input, lake, ShardSpec.Single);
        // What a run killed while copying a part into the folder leaves: the store's temporary file beside the part's name.
        string unfinished = Path.Combine(lake, "patients", $"part-00000-00001.parquet.{Guid.NewGuid():N}.tmp");
        await File.WriteAllBytesAsync(unfinished, [1, 2, 3]);

        ParquetLakeStatus before = ParquetLake.Check(lake);
        await RunShardAsync(input, lake, ShardSpec.Single);

        Assert.Contains(before.Problems, p => p.StartsWith($"1 unfinished write (patients/{Path.GetFileName(unfinished)}) left by a run that was killed", StringComparison.Ordinal));
        Assert.False(File.Exists(unfinished));
        Assert.True(ParquetLake.Check(lake).IsComplete);
    }

    [Fact]
    public async Task Check_HiddenTmpFileBesideTheParts_ReportedToBeDeletedNotRerun()
    {
        (_, string lake, _) = await LakeOfOneRunAsync(patients: 5, observations: 0);
        // A leading '.' makes .NET take the file for hidden, and a plain listing of the folder skip it.
        await File.WriteAllBytesAsync(Path.Combine(lake, "observations", ".part-00000-00099.parquet.abcd1234.tmp"), [1, 2, 3]);

        ParquetLakeStatus status = ParquetLake.Check(lake);

        Assert.False(status.IsComplete);
        // No run of the lake removes a file it did not write, so the user is told to delete it, not to run the shard again.
        Assert.Contains(status.Problems, p => p == "1 temporary file (observations/.part-00000-00099.parquet.abcd1234.tmp) beside the parts, which no run of the lake removes: a reader of the folder may take it for data; delete it.");
    }

    [Fact]
    public async Task CompleteAsync_RunRecord_ListsInputsWithHashesPartsRowsAndShard()
    {
        string input = WriteExport(patients: 5, observations: 3);
        string lake = _dir.File("lake");

        await RunShardAsync(input, lake, new ShardSpec(0, 1));

        ParquetLakeRun run = ParquetLakeRun.Read(Directory.GetFiles(Path.Combine(lake, ParquetLake.RunsFolderName)).Single());
        Assert.Equal((0, 1), (run.ShardIndex, run.ShardCount));
        Assert.Equal(new FileInfo(Path.Combine(input, "Patient.000.ndjson")).Length, run.Inputs.Where(i => i.Path.EndsWith("Patient.000.ndjson", StringComparison.Ordinal)).Sum(i => i.Length));
        Assert.All(run.Inputs, i => Assert.Matches("^[0-9a-f]{64}$", i.Sha256));
        Assert.Equal(5L, run.Views.Single(v => v.Name == "patients").Rows);
        Assert.All(run.Views.SelectMany(v => v.Parts), p => Assert.Equal(new FileInfo(Path.Combine(lake, p.Path)).Length, p.Bytes));
    }

    [Fact]
    public async Task CompleteAsync_RunRecordOfTwoShards_Sha256OfEachUnitIsThatOfItsStoredBytes()
    {
        string input = WriteExport(patients: 20, observations: 3);
        // A gzip file is one unit, hashed as stored (compressed); a type no view reads is still listed, and hashed.
        await using (var gzip = new GZipStream(File.Create(Path.Combine(input, "Patient.001.ndjson.gz")), CompressionLevel.Optimal))
        {
            await gzip.WriteAsync(await File.ReadAllBytesAsync(Path.Combine(input, "Patient.000.ndjson")));
        }

        await File.WriteAllTextAsync(Path.Combine(input, "Condition.000.ndjson"), "{\"resourceType\":\"Condition\",\"id\":\"c0\"}\n");
        string lake = _dir.File("lake");

        await RunShardAsync(input, lake, new ShardSpec(0, 2));
        await RunShardAsync(input, lake, new ShardSpec(1, 2));

        List<ParquetLakeInput> inputs = [.. Directory.GetFiles(Path.Combine(lake, ParquetLake.RunsFolderName)).SelectMany(r => ParquetLakeRun.Read(r).Inputs)];
        Assert.Contains(inputs, i => i.Start > 0);
        Assert.Contains(inputs, i => i.Path.EndsWith(".gz", StringComparison.Ordinal) && i.Length == i.Size);
        Assert.Contains(inputs, i => i.Path.EndsWith("Observation.000.ndjson", StringComparison.Ordinal) && i.Length == i.Size);
        Assert.Contains(inputs, i => i.Path.EndsWith("Condition.000.ndjson", StringComparison.Ordinal));
        Assert.Equal(Directory.GetFiles(input).Sum(f => new FileInfo(f).Length), inputs.Sum(i => i.Length));
        foreach (ParquetLakeInput unit in inputs)
        {
            byte[] stored = await File.ReadAllBytesAsync(unit.Path);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(stored.AsSpan((int)unit.Start, (int)unit.Length))), unit.Sha256);
        }
    }

    [Fact]
    public async Task CompleteAsync_ViewsReadAnotherSourceThanThePlans_ThrowsNamingTheUnreadInput()
    {
        string input = WriteExport(patients: 2, observations: 1);
        NdjsonShardPlan plan = NdjsonShardPlan.Create(NdjsonSource.FromFolder(input), 1, UnitBytes);
        await using var sink = new ParquetLakeSink(_dir.File("lake"), new ParquetLakeOptions { Plan = plan });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => new FhirTables().RunAsync(NdjsonSource.FromFolder(input), Views(), sink));

        Assert.Contains("was not read through", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Dispose();

    /// <returns>The sink's <see cref="ParquetLakeSink.Status"/> after the run.</returns>
    private static async Task<ParquetLakeStatus?> RunShardAsync(string input, string lake, ShardSpec shard, long rowsPerPart = 1000, ICompiledView[]? views = null, CancellationToken cancellationToken = default)
    {
        NdjsonShardPlan plan = NdjsonShardPlan.Create(NdjsonSource.FromFolder(input), shard.Count, UnitBytes);
        var tables = new FhirTables(new FhirTablesOptions { MaxDegreeOfParallelism = 1 });
        await using var sink = new ParquetLakeSink(lake, new ParquetLakeOptions { Shard = shard, Plan = plan, RowsPerPart = rowsPerPart, RowGroupSize = 5 });
        await tables.RunAsync(plan.SourceFor(shard.Index), views ?? Views(), sink, cancellationToken: cancellationToken);
        return sink.Status;
    }

    /// <summary>A lake of one run over an export of this many resources, and its files' bytes.</summary>
    private async Task<(string Input, string Lake, Dictionary<string, byte[]> Before)> LakeOfOneRunAsync(int patients, int observations)
    {
        string input = WriteExport(patients, observations);
        string lake = _dir.File("lake");
        await RunShardAsync(input, lake, ShardSpec.Single);
        return (input, lake, Snapshot(lake));
    }

    private string WriteExport(int patients, int observations)
    {
        string folder = _dir.File("export");
        Directory.CreateDirectory(folder);
        File.WriteAllLines(Path.Combine(folder, "Patient.000.ndjson"), Enumerable.Range(0, patients).Select(i =>
            $$"""{"resourceType":"Patient","id":"p{{i}}","gender":"{{(i % 3 == 0 ? "female" : "male")}}","pad":"{{new string('x', i * 7 % 200)}}"}"""));
        File.WriteAllLines(Path.Combine(folder, "Observation.000.ndjson"), Enumerable.Range(0, observations).Select(i =>
            string.Create(CultureInfo.InvariantCulture, $$"""{"resourceType":"Observation","id":"o{{i}}","valueQuantity":{"value":{{i * 1.5m}}},"pad":"{{new string('y', i * 13 % 150)}}"}""")));
        return folder;
    }

    private static string Glob(string lake, string view) => $"read_parquet('{Path.Combine(lake, view)}/*.parquet')";

    private static Task<long> CountAsync(string lake, string view) => ScalarAsync($"SELECT count(*) FROM {Glob(lake, view)}");

    private static async Task<long> ScalarAsync(string sql) => Convert.ToInt64(await QueryAsync(sql), CultureInfo.InvariantCulture);

    private static async Task<string> StringAsync(string sql) => (string)(await QueryAsync(sql))!;

    private static async Task<object?> QueryAsync(string sql)
    {
        await using var connection = new DuckDBConnection("Data Source=:memory:");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    /// <summary>Every file under the lake (hidden ones too) and its bytes.</summary>
    private static Dictionary<string, byte[]> Snapshot(string lake) =>
        Directory.GetFiles(lake, "*", SearchOption.AllDirectories).ToDictionary(f => Path.GetRelativePath(lake, f), File.ReadAllBytes);

    [Fact]
    public void Validated_DuckDbOptions_AreCopiedSoLaterChangesDoNotReachTheSink()
    {
        var duckDb = new DuckDbSinkOptions { MemoryLimit = "100MB", Threads = 1 };

        var validated = new ParquetLakeOptions { DuckDb = duckDb }.Validated();
        duckDb.MemoryLimit = "not a size";

        Assert.NotSame(duckDb, validated.DuckDb);
        Assert.Equal(("100MB", (int?)1), (validated.DuckDb!.MemoryLimit, validated.DuckDb.Threads));
    }
}
