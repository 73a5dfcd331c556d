using DuckDB.NET.Data;
using FhirBulk.Ndjson;
using FhirBulk.Sinks;
using FhirBulk.Sinks.Parquet;
using FhirBulk.Tables;
using FhirBulk.Views;
using FhirBulk.Tests.Tables.TestSupport;

namespace FhirBulk.Tests.Sinks;

/// <summary>
/// Every file sink replaces its outputs only when the whole run succeeded: a run that fails or is
/// cancelled mid-way leaves the previous outputs byte for byte, and no temporary file behind.
/// </summary>
public class AtomicOutputTests
{
    private const int Patients = 1000;

    private static readonly FieldView PatientsView = new("patients", "Patient", ("id", "id", "id"), ("gender", "gender", "code"));

    private static readonly FieldView IdsView = new("ids", "Patient", ("id", "id", "id"));

    /// <summary>Fails on a resource well past the first batch, so rows of both tables were written before it.</summary>
    private static readonly FieldView IdsViewFailingLate = new("ids", "Patient", ("id", "id", "id")) { FailOnId = $"p{Patients - 100}" };

    public static TheoryData<TableFormat> Formats => [TableFormat.DuckDb, TableFormat.Parquet, TableFormat.Csv, TableFormat.Ndjson];

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task RunAsync_ViewFailsUnderFailPolicy_PreviousOutputByteIdenticalAndNoTempFiles(TableFormat format)
    {
        using var dir = new TempFolder();
        await RunAsync(format, dir, WritePatients(dir, 3), IdsView);
        var before = Snapshot(dir);

        var strict = new FhirTables(new FhirTablesOptions { ViewErrors = ErrorPolicy.Fail });
        await Assert.ThrowsAsync<ViewEvaluationException>(() => RunAsync(format, dir, NdjsonSource.FromFile(WritePatients(dir, Patients)), strict, IdsViewFailingLate));

        AssertSameFiles(before, Snapshot(dir));
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task RunAsync_InputThrowsIOExceptionMidRun_PreviousOutputByteIdenticalAndNoTempFiles(TableFormat format)
    {
        using var dir = new TempFolder();
        await RunAsync(format, dir, WritePatients(dir, 3), IdsView);
        var before = Snapshot(dir);
        byte[] input = await File.ReadAllBytesAsync(WritePatients(dir, Patients));

        var failingInput = NdjsonSource.FromStream(new ChunkedStream(input, [4096], failAfterBytes: input.Length * 3 / 4));
        var ex = await Assert.ThrowsAsync<IOException>(() => RunAsync(format, dir, failingInput, new FhirTables(), IdsView));

        Assert.Equal(ChunkedStream.FailureMessage, ex.Message);
        AssertSameFiles(before, Snapshot(dir));
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task RunAsync_CancelledMidRun_PreviousOutputByteIdenticalAndNoTempFiles(TableFormat format)
    {
        using var dir = new TempFolder();
        await RunAsync(format, dir, WritePatients(dir, 3), IdsView);
        var before = Snapshot(dir);
        using var cancel = new CancellationTokenSource();
        var tables = new FhirTables(new FhirTablesOptions { ProgressInterval = TimeSpan.Zero });
        // Past the first batches of resources, so the new tables already hold rows: progress comes between read buffers,
        // so they are small enough for the input (about 45 KB) to take several.
        var progress = new SynchronousProgress(p =>
        {
            if (p.Resources >= Patients / 2)
            {
                cancel.Cancel();
            }
        });

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            RunAsync(format, dir, NdjsonSource.FromFile(WritePatients(dir, Patients), new NdjsonSourceOptions { BufferSize = 4096 }), tables, IdsView, progress, cancel.Token));

        AssertSameFiles(before, Snapshot(dir));
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task RunAsync_Succeeds_ReplacesPreviousOutputAndLeavesNoTempFiles(TableFormat format)
    {
        using var dir = new TempFolder();
        await RunAsync(format, dir, WritePatients(dir, 3), IdsView);
        var before = Snapshot(dir);

        await RunAsync(format, dir, WritePatients(dir, Patients), IdsView);

        var after = Snapshot(dir);
        Assert.Equal(before.Keys, after.Keys);
        // The tables changed; their schema files (CSV, NDJSON) are the same views' schemas, so the same bytes.
        Assert.All(after.Where(f => !f.Key.EndsWith(TableSchemas.FileExtension, StringComparison.Ordinal)), file => Assert.NotEqual(before[file.Key], file.Value));
        Assert.All(after.Where(f => f.Key.EndsWith(TableSchemas.FileExtension, StringComparison.Ordinal)), file => Assert.Equal(before[file.Key], file.Value));
        Assert.Equal(Patients, await CountRowsAsync(format, dir, "patients"));
        Assert.Equal(Patients, await CountRowsAsync(format, dir, "ids"));
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public async Task CompleteAsync_TableNotCompleted_ThrowsAndReplacesNothing(TableFormat format)
    {
        using var dir = new TempFolder();
        await RunAsync(format, dir, WritePatients(dir, 3), IdsView);
        var before = Snapshot(dir);

        await using (ITableSink sink = CreateSink(format, dir))
        {
            await using var done = await sink.OpenTableAsync(IdsView.Schema);
            await done.WriteRowAsync(["x"]);
            await done.CompleteAsync();
            await using var unfinished = await sink.OpenTableAsync(PatientsView.Schema);
            await unfinished.WriteRowAsync(["y", "other"]);

            await Assert.ThrowsAsync<InvalidOperationException>(() => sink.CompleteAsync().AsTask());
        }

        AssertSameFiles(before, Snapshot(dir));
    }

    [Fact]
    public async Task DisposeAsync_ParquetTableCompletedButSinkNotCommitted_PreviousFileByteIdentical()
    {
        // Parquet files are written when their table completes: a run that fails on a later
        // table must not have replaced the earlier ones.
        using var dir = new TempFolder();
        await RunAsync(TableFormat.Parquet, dir, WritePatients(dir, 3), IdsView);
        var before = Snapshot(dir);

        await using (var sink = new ParquetSink(OutputFolder(dir)))
        {
            await using var writer = await sink.OpenTableAsync(IdsView.Schema);
            await writer.WriteRowAsync(["new"]);
            await writer.CompleteAsync();
        }

        AssertSameFiles(before, Snapshot(dir));
    }

    [Fact]
    public async Task RunAsync_ExistingDuckDbWithOtherTable_OtherTableKeptOnSuccessAndFailure()
    {
        using var dir = new TempFolder();
        string db = OutputPath(TableFormat.DuckDb, dir);
        Directory.CreateDirectory(OutputFolder(dir));
        await ExecuteAsync(db, "CREATE TABLE notes AS SELECT 42 AS answer");

        await RunAsync(TableFormat.DuckDb, dir, WritePatients(dir, 3), IdsView);
        var strict = new FhirTables(new FhirTablesOptions { ViewErrors = ErrorPolicy.Fail });
        await Assert.ThrowsAsync<ViewEvaluationException>(() => RunAsync(TableFormat.DuckDb, dir, NdjsonSource.FromFile(WritePatients(dir, Patients)), strict, IdsViewFailingLate));

        Assert.Equal(["tables.duckdb"], Snapshot(dir).Keys);
        Assert.Equal(42, await ScalarAsync(db, "SELECT answer FROM notes"));
        Assert.Equal(3L, await ScalarAsync(db, "SELECT count(*) FROM patients"));
    }

    [Fact]
    public async Task RunAsync_ExistingDuckDbWithWriteAheadLog_LoggedChangesKeptAndNoLogLeft()
    {
        using var dir = new TempFolder();
        string db = OutputPath(TableFormat.DuckDb, dir);
        Directory.CreateDirectory(OutputFolder(dir));
        // As a writer that stopped without closing would leave it: the table only in the log.
        await ExecuteAsync(db, "PRAGMA disable_checkpoint_on_shutdown", "SET wal_autocheckpoint = '1GB'", "CREATE TABLE notes AS SELECT 42 AS answer");
        Assert.True(File.Exists(db + ".wal"));

        await RunAsync(TableFormat.DuckDb, dir, WritePatients(dir, 3), IdsView);

        // Before opening the database: DuckDB would replay a log left beside it onto the new file.
        Assert.Equal(["tables.duckdb"], Snapshot(dir).Keys);
        Assert.Equal(42, await ScalarAsync(db, "SELECT answer FROM notes"));
        Assert.Equal(3L, await ScalarAsync(db, "SELECT count(*) FROM patients"));
    }

    private static Task RunAsync(TableFormat format, TempFolder dir, string input, FieldView second) =>
        RunAsync(format, dir, NdjsonSource.FromFile(input), new FhirTables(), second);

    private static async Task RunAsync(
        TableFormat format, TempFolder dir, NdjsonSource source, FhirTables tables, FieldView second, IProgress<TableProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        await using ITableSink sink = CreateSink(format, dir);
        await tables.RunAsync(source, [PatientsView, second], sink, progress, cancellationToken);
    }

    private static ITableSink CreateSink(TableFormat format, TempFolder dir) => TableSinks.Create(format, OutputPath(format, dir));

    private static string OutputFolder(TempFolder dir) => dir.File("out");

    private static string OutputPath(TableFormat format, TempFolder dir) =>
        format == TableFormat.DuckDb ? Path.Combine(OutputFolder(dir), "tables.duckdb") : OutputFolder(dir);

    private static string WritePatients(TempFolder dir, int count) =>
        dir.Write($"patients-{count}.ndjson", string.Concat(Enumerable.Range(0, count).Select(i =>
            $$"""{"resourceType":"Patient","id":"p{{i}}","gender":"{{(i % 2 == 0 ? "female" : "male")}}"}""" + "\n")));

    /// <summary>Every file under the output folder, hidden ones included, by relative path.</summary>
    private static SortedDictionary<string, byte[]> Snapshot(TempFolder dir) =>
        new(Directory.EnumerateFiles(OutputFolder(dir), "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(OutputFolder(dir), f), File.ReadAllBytes), StringComparer.Ordinal);

    private static void AssertSameFiles(SortedDictionary<string, byte[]> expected, SortedDictionary<string, byte[]> actual)
    {
        Assert.Equal(expected.Keys, actual.Keys);
        Assert.All(expected, file => Assert.True(file.Value.AsSpan().SequenceEqual(actual[file.Key]), $"{file.Key} changed"));
    }

    private static async Task<long> CountRowsAsync(TableFormat format, TempFolder dir, string table)
    {
        if (format == TableFormat.DuckDb)
        {
            return Convert.ToInt64(await ScalarAsync(OutputPath(format, dir), $"SELECT count(*) FROM {table}"), System.Globalization.CultureInfo.InvariantCulture);
        }

        string file = Path.Combine(OutputFolder(dir), table);
        string from = format switch
        {
            TableFormat.Parquet => $"read_parquet('{file}.parquet')",
            TableFormat.Csv => $"read_csv('{file}.csv', header = true)",
            _ => $"read_json('{file}.ndjson', format = 'newline_delimited')",
        };
        return Convert.ToInt64(await ScalarAsync(":memory:", $"SELECT count(*) FROM {from}"), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<object?> ScalarAsync(string database, string sql)
    {
        await using var connection = new DuckDBConnection($"Data Source={database}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    private static async Task ExecuteAsync(string database, params string[] statements)
    {
        await using var connection = new DuckDBConnection($"Data Source={database}");
        await connection.OpenAsync();
        foreach (string sql in statements)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync();
        }
    }

    private sealed class SynchronousProgress(Action<TableProgress> onReport) : IProgress<TableProgress>
    {
        public void Report(TableProgress value) => onReport(value);
    }
}
