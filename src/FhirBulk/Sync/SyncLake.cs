using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using DuckDB.NET.Data;
using FhirBulk.ExportFolder;
using FhirBulk.Sinks.DuckDb;
using FhirBulk.Sinks.Parquet;
using FhirBulk.Tables;
using FhirBulk.Views;

namespace FhirBulk.Sync;

/// <summary>
/// The Parquet lake of a sync folder (<c>lake/</c>), kept as a chain of snapshots. Each applied increment is a new
/// snapshot: a folder <c>snapshot=NNNNNN/</c> holding, per view, the parts of the rows of the increment's resources
/// (a <see cref="ParquetLakeSink"/> lake of its own, with the key columns), and <c>_tombstones.parquet</c>, the
/// <c>_resource_key</c>s whose rows in earlier snapshots are gone (deleted, replaced by a new version, or of a patient who
/// left the Group). Its record <c>_snapshots/NNNNNN.json</c> (<see cref="LakeSnapshot"/>) is written last: a reader
/// takes the highest-numbered record and reads the snapshots from its <see cref="LakeSnapshot.Base"/> to it, minus the
/// rows a later snapshot's tombstones name (<see cref="CurrentRowsSql"/>). <see cref="CompactAsync"/> writes the current
/// rows as one new base snapshot without tombstones and then deletes the older ones.
/// </summary>
internal sealed class SyncLake(string lakeDirectory, FhirTablesOptions tablesOptions, DuckDbSinkOptions duckDbOptions)
{
    public const string FolderName = "lake";
    public const string SnapshotsFolderName = "_snapshots";
    public const string TombstonesFileName = "_tombstones.parquet";

    /// <summary>The hive partition column that numbers a row's snapshot, from its folder name.</summary>
    public const string SnapshotColumn = "snapshot";

    private const string RebuildSuffix = ".rebuild";
    private const string TombstonesTable = "_sync_tombstones";

    public string Directory { get; } = lakeDirectory;

    public static string SnapshotFolder(string lake, int snapshot) =>
        Path.Combine(lake, string.Create(CultureInfo.InvariantCulture, $"{SnapshotColumn}={snapshot:D6}"));

    private static string RecordPath(string lake, int snapshot) =>
        Path.Combine(lake, SnapshotsFolderName, snapshot.ToString("D6", CultureInfo.InvariantCulture) + ".json");

    /// <summary>The latest complete snapshot: the highest-numbered record; null for a lake without one.</summary>
    public static LakeSnapshot? Latest(string lake)
    {
        var records = Path.Combine(lake, SnapshotsFolderName);
        var latest = System.IO.Directory.Exists(records)
            ? System.IO.Directory.EnumerateFiles(records, "*.json").Order(StringComparer.Ordinal).LastOrDefault()
            : null;
        if (latest is null)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(latest), LakeSnapshotJsonContext.Default.LakeSnapshot)
                ?? throw new JsonException("the document is null");
        }
        catch (JsonException e)
        {
            throw new ExportFolderException(lake, $"{latest} is not a snapshot record ({e.Message}).", e);
        }
    }

    /// <summary>
    /// DuckDB SQL for the current rows of <paramref name="view"/> as of <paramref name="snapshot"/>: every row of the
    /// snapshots from its base to it whose <c>_resource_key</c> no later snapshot of the chain tombstones. The same text
    /// docs/cli.md gives readers.
    /// </summary>
    public static string CurrentRowsSql(string lake, string view, LakeSnapshot snapshot)
    {
        var root = lake.Replace('\\', '/');
        string Files(string tail) => DuckDbTypeMap.Literal($"{root}/{SnapshotColumn}=*/{tail}");
        const string Hive = $"hive_partitioning = true, hive_types = {{'{SnapshotColumn}': INTEGER}}";
        var (from, to) = (snapshot.Base.ToString(CultureInfo.InvariantCulture), snapshot.Snapshot.ToString(CultureInfo.InvariantCulture));
        return $"""
            SELECT r.* EXCLUDE ({SnapshotColumn})
            FROM read_parquet({Files(view + "/*.parquet")}, {Hive}) AS r
            ANTI JOIN (SELECT {SyncTables.ResourceKeyColumn}, max({SnapshotColumn}) AS gone
                       FROM read_parquet({Files(TombstonesFileName)}, {Hive})
                       WHERE {SnapshotColumn} BETWEEN {from} AND {to} GROUP BY 1) AS t
              ON r.{SyncTables.ResourceKeyColumn} = t.{SyncTables.ResourceKeyColumn} AND t.gone > r.{SnapshotColumn}
            WHERE r.{SnapshotColumn} BETWEEN {from} AND {to}
            """;
    }

    /// <summary>
    /// Applies <paramref name="increments"/> in order, one snapshot each. With <paramref name="rebuild"/> a new lake is
    /// built from them beside this one and then takes its place; its chain is numbered on from the old lake's latest
    /// snapshot, so that the latest record's number only ever grows and a reader that remembers one never meets another
    /// snapshot under the same number.
    /// </summary>
    /// <returns>Rows of each view after the last snapshot, and what the increments changed in it.</returns>
    public async Task<(IReadOnlyDictionary<string, long> Rows, IReadOnlyDictionary<string, TableChanges> Changes)> ApplyAsync(
        IReadOnlyList<(IncrementFolder Folder, bool GroupLevel, int Number, string TransactionTime)> increments, SyncViews views, bool rebuild, CancellationToken cancellationToken)
    {
        var target = rebuild ? Directory + RebuildSuffix : Directory;
        if (rebuild && System.IO.Directory.Exists(target))
        {
            System.IO.Directory.Delete(target, recursive: true);
        }

        var first = rebuild && System.IO.Directory.Exists(Directory) ? (Latest(Directory)?.Snapshot ?? 0) + 1 : 1;

        System.IO.Directory.CreateDirectory(target);
        var changes = views.Views.ToDictionary(v => v.Schema.Name, _ => TableChanges.None, StringComparer.Ordinal);
        IReadOnlyDictionary<string, long> rows = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (folder, groupLevel, number, transactionTime) in increments)
        {
            (rows, var snapshotChanges) = await ApplyOneAsync(target, first, folder, groupLevel, number, transactionTime, views, cancellationToken).ConfigureAwait(false);
            foreach (var (view, change) in snapshotChanges)
            {
                changes[view] += change;
            }
        }

        if (rebuild)
        {
            // Readers see the old lake until this point, then the whole new one; between the two renames, none.
            var old = Directory + ".old";
            if (System.IO.Directory.Exists(Directory))
            {
                System.IO.Directory.Move(Directory, old);
            }

            System.IO.Directory.Move(target, Directory);
            if (System.IO.Directory.Exists(old))
            {
                System.IO.Directory.Delete(old, recursive: true);
            }
        }

        return (rows, changes);
    }

    /// <summary>Rewrites the current rows as one base snapshot without tombstones, then deletes the snapshots before it.</summary>
    /// <returns>The new base snapshot, or null when the lake has none yet.</returns>
    public async Task<LakeSnapshot?> CompactAsync(CancellationToken cancellationToken)
    {
        if (Latest(Directory) is not { } latest)
        {
            return null;
        }

        var number = latest.Snapshot + 1;
        var folder = FreshSnapshotFolder(Directory, number);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        foreach (var view in latest.Rows.Keys)
        {
            var viewFolder = System.IO.Directory.CreateDirectory(Path.Combine(folder, view)).FullName;
            var schema = System.IO.Directory.EnumerateFiles(SnapshotFolder(Directory, latest.Snapshot), ParquetLake.SchemaFileName, SearchOption.AllDirectories)
                .First(f => string.Equals(Path.GetFileName(Path.GetDirectoryName(f)), view, StringComparison.Ordinal));
            File.Copy(schema, Path.Combine(viewFolder, ParquetLake.SchemaFileName));
            await CopyAsync(connection, CurrentRowsSql(Directory, view, latest), Path.Combine(viewFolder, ParquetLake.PartFileName(0, 0)), cancellationToken).ConfigureAwait(false);
        }

        await ExecuteAsync(connection, $"CREATE TABLE {TombstonesTable} ({SyncTables.ResourceKeyColumn} VARCHAR)", cancellationToken).ConfigureAwait(false);
        await CopyAsync(connection, $"SELECT * FROM {TombstonesTable}", Path.Combine(folder, TombstonesFileName), cancellationToken).ConfigureAwait(false);
        var compacted = latest with { Snapshot = number, Base = number };
        WriteRecord(Directory, compacted);

        // Readers that took the previous record before this one was written may still be reading these.
        for (var old = latest.Base; old <= latest.Snapshot; old++)
        {
            if (System.IO.Directory.Exists(SnapshotFolder(Directory, old)))
            {
                System.IO.Directory.Delete(SnapshotFolder(Directory, old), recursive: true);
            }

            File.Delete(RecordPath(Directory, old));
        }

        return compacted;
    }

    private async Task<(IReadOnlyDictionary<string, long> Rows, IReadOnlyDictionary<string, TableChanges> Changes)> ApplyOneAsync(
        string lake, int firstSnapshot, IncrementFolder folder, bool groupLevel, int increment, string transactionTime, SyncViews views, CancellationToken cancellationToken)
    {
        var previous = Latest(lake);
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        if (previous is not null && previous.Increment >= increment)
        {
            // Its snapshot was complete before the run that wrote it could record it in sync.json.
            return (await CountRowsAsync(connection, lake, previous, cancellationToken).ConfigureAwait(false), new Dictionary<string, TableChanges>(StringComparer.Ordinal));
        }

        var number = previous is null ? firstSnapshot : previous.Snapshot + 1;
        var snapshotFolder = FreshSnapshotFolder(lake, number);
        var schemas = views.Views.Select(v => SyncTables.Keyed(v.Schema)).ToList();
        var seen = new ConcurrentDictionary<string, byte>(StringComparer.Ordinal);
        var members = groupLevel ? folder.ActiveMembers() : null;
        var keyed = views.Views.Select((v, i) => (ICompiledView)new KeyedView(v, schemas[i], seen, members)).ToList();
        await using (var sink = new ParquetLakeSink(snapshotFolder, new ParquetLakeOptions { DuckDb = duckDbOptions }))
        {
            await new FhirTables(tablesOptions).RunAsync(folder.Resources(), keyed, sink, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        // Tombstones: what the increment deletes or replaces, and at Group level every resource of a patient who left.
        await ExecuteAsync(connection, $"CREATE TABLE {TombstonesTable} ({SyncTables.ResourceKeyColumn} VARCHAR)", cancellationToken).ConfigureAwait(false);
        SyncTables.AppendKeys(connection, TombstonesTable, (await folder.DeletedKeysAsync(cancellationToken).ConfigureAwait(false)).Concat(seen.Keys).Distinct(StringComparer.Ordinal));
        if (members is not null && previous is not null)
        {
            await ExecuteAsync(connection, "CREATE TABLE _sync_members (k VARCHAR)", cancellationToken).ConfigureAwait(false);
            SyncTables.AppendKeys(connection, "_sync_members", members);
            foreach (var view in previous.Rows.Keys)
            {
                await ExecuteAsync(connection, $"""
                    INSERT INTO {TombstonesTable}
                    SELECT DISTINCT {SyncTables.ResourceKeyColumn} FROM ({CurrentRowsSql(lake, view, previous)})
                    WHERE {SyncTables.PatientKeyColumn} IS NOT NULL AND {SyncTables.PatientKeyColumn} NOT IN (SELECT k FROM _sync_members)
                      AND {SyncTables.ResourceKeyColumn} NOT IN (SELECT {SyncTables.ResourceKeyColumn} FROM {TombstonesTable})
                    """, cancellationToken).ConfigureAwait(false);
            }
        }

        await CopyAsync(connection, $"SELECT * FROM {TombstonesTable}", Path.Combine(snapshotFolder, TombstonesFileName), cancellationToken).ConfigureAwait(false);

        var changes = new Dictionary<string, TableChanges>(StringComparer.Ordinal);
        foreach (var schema in schemas)
        {
            var added = Path.Combine(snapshotFolder, schema.Name, "*.parquet").Replace('\\', '/');
            var old = previous is not null && previous.Rows.ContainsKey(schema.Name) ? $"({CurrentRowsSql(lake, schema.Name, previous)})" : null;
            changes[schema.Name] = await SyncTables.CountChangesAsync(connection, old, $"read_parquet({DuckDbTypeMap.Literal(added)})", $"SELECT {SyncTables.ResourceKeyColumn} FROM {TombstonesTable}", cancellationToken).ConfigureAwait(false);
        }

        var record = new LakeSnapshot(number, previous?.Base ?? number, increment, transactionTime, schemas.ToDictionary(s => s.Name, _ => 0L, StringComparer.Ordinal));
        var rows = await CountRowsAsync(connection, lake, record, cancellationToken).ConfigureAwait(false);
        WriteRecord(lake, record with { Rows = rows });
        return (rows, changes);
    }

    /// <summary>The folder of a new snapshot, emptied of what a run that stopped before its record left in it.</summary>
    private static string FreshSnapshotFolder(string lake, int number)
    {
        var folder = SnapshotFolder(lake, number);
        if (System.IO.Directory.Exists(folder))
        {
            System.IO.Directory.Delete(folder, recursive: true);
        }

        return System.IO.Directory.CreateDirectory(folder).FullName;
    }

    private static async Task<IReadOnlyDictionary<string, long>> CountRowsAsync(DuckDBConnection connection, string lake, LakeSnapshot snapshot, CancellationToken cancellationToken)
    {
        var rows = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var view in snapshot.Rows.Keys)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT count(*) FROM ({CurrentRowsSql(lake, view, snapshot)})";
            rows[view] = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        }

        return rows;
    }

    private static void WriteRecord(string lake, LakeSnapshot record)
    {
        var path = RecordPath(lake, record.Snapshot);
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.Write(path, stream => JsonSerializer.Serialize(stream, record, LakeSnapshotJsonContext.Default.LakeSnapshot));
    }

    private async Task<DuckDBConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new DuckDBConnection("Data Source=:memory:");
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await DuckDbSink.ConfigureAsync(connection, duckDbOptions, cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Writes a query's rows to <paramref name="path"/>, under a hidden temporary name first so no glob sees half a file.</summary>
    private static async Task CopyAsync(DuckDBConnection connection, string query, string path, CancellationToken cancellationToken)
    {
        var temporary = Path.Combine(Path.GetDirectoryName(path)!, "." + Path.GetFileName(path) + ".tmp");
        await ExecuteAsync(connection, $"COPY ({query}) TO {DuckDbTypeMap.Literal(temporary)} (FORMAT parquet, COMPRESSION {ParquetLakeDefaults.Compression})", cancellationToken).ConfigureAwait(false);
        File.Move(temporary, path, overwrite: true);
    }

    private static Task ExecuteAsync(DuckDBConnection connection, string sql, CancellationToken cancellationToken) =>
        DuckDbSink.ExecuteAsync(connection, sql, cancellationToken);
}

/// <summary>
/// A snapshot of a sync folder's Parquet lake, as its record <c>lake/_snapshots/NNNNNN.json</c> holds it. The record is
/// written once the snapshot's parts and tombstones are in place, so the highest-numbered record is the latest complete
/// snapshot.
/// </summary>
/// <param name="Snapshot">Its number: its folder is <c>lake/snapshot=NNNNNN/</c>.</param>
/// <param name="Base">The first snapshot of its chain: the first one, or the latest compaction's. Current rows are read from the snapshots <c>Base</c>..<c>Snapshot</c>.</param>
/// <param name="Increment">The last increment of the sync folder applied in it (<c>increments/NNNN/</c>).</param>
/// <param name="TransactionTime">That increment's transactionTime: the rows are the server's data as of this instant.</param>
/// <param name="Rows">Current rows of each view as of this snapshot; its keys are the views' folder names.</param>
public sealed record LakeSnapshot(int Snapshot, int Base, int Increment, string TransactionTime, IReadOnlyDictionary<string, long> Rows);

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(LakeSnapshot))]
internal sealed partial class LakeSnapshotJsonContext : JsonSerializerContext;
