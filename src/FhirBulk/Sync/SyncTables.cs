using System.Collections.Concurrent;
using System.Globalization;
using DuckDB.NET.Data;
using FhirBulk.Ndjson;
using FhirBulk.Sinks;
using FhirBulk.Sinks.DuckDb;
using FhirBulk.Tables;
using FhirBulk.Views;

namespace FhirBulk.Sync;

/// <summary>
/// The tables of a sync folder (<c>tables.duckdb</c>): one per view, each row carrying <c>_resource_key</c> (<c>Type/id</c>
/// of the resource it came from) and <c>_patient_key</c> (<c>Patient/id</c> of the patient that resource belongs to, or
/// NULL). Increments are applied in one DuckDB transaction, so a failure, a cancellation or a killed process leaves the
/// tables as the last commit made them.
/// </summary>
internal sealed class SyncTables(string databasePath, FhirTablesOptions tablesOptions, DuckDbSinkOptions duckDbOptions)
{
    public const string ResourceKeyColumn = "_resource_key";
    public const string PatientKeyColumn = "_patient_key";
    public const string FileName = "tables.duckdb";

    private const string GoneTable = "_sync_gone";
    private const string MembersTable = "_sync_members";
    private const string StagingPrefix = "_sync_new_";

    public static readonly IReadOnlyList<string> KeyColumns = [ResourceKeyColumn, PatientKeyColumn];

    /// <summary>Called inside the transaction just before it commits; a test's way to fail an update at its last moment.</summary>
    internal Func<CancellationToken, ValueTask>? BeforeCommit { get; init; }

    /// <summary>
    /// Applies <paramref name="increments"/> in order in one transaction, after dropping <paramref name="drop"/> (the tables of
    /// other views, when the views changed) and creating each view's table when missing.
    /// </summary>
    /// <returns>Rows of each table after the commit, and what the increments changed in it.</returns>
    public async Task<(IReadOnlyDictionary<string, long> Rows, IReadOnlyDictionary<string, TableChanges> Changes)> ApplyAsync(IReadOnlyList<(IncrementFolder Folder, bool GroupLevel)> increments, SyncViews views, IReadOnlyList<string> drop, CancellationToken cancellationToken)
    {
        await using var connection = new DuckDBConnection($"Data Source={databasePath}");
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await DuckDbSink.ConfigureAsync(connection, duckDbOptions, cancellationToken).ConfigureAwait(false);

        var schemas = views.Views.Select(v => Keyed(v.Schema)).ToList();
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        foreach (var table in drop)
        {
            await ExecuteAsync(connection, $"DROP TABLE IF EXISTS {DuckDbTypeMap.Quote(table)}", cancellationToken).ConfigureAwait(false);
        }

        foreach (var schema in schemas)
        {
            await ExecuteAsync(connection, DuckDbTypeMap.CreateTableSql(schema).Replace("CREATE OR REPLACE TABLE", "CREATE TABLE IF NOT EXISTS", StringComparison.Ordinal), cancellationToken).ConfigureAwait(false);
        }

        var changes = schemas.ToDictionary(s => s.Name, _ => TableChanges.None, StringComparer.Ordinal);
        foreach (var (folder, groupLevel) in increments)
        {
            await ApplyOneAsync(connection, folder, groupLevel, views, schemas, changes, cancellationToken).ConfigureAwait(false);
        }

        if (BeforeCommit is { } beforeCommit)
        {
            await beforeCommit(cancellationToken).ConfigureAwait(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        var rows = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var schema in schemas)
        {
            await using var count = connection.CreateCommand();
            count.CommandText = $"SELECT count(*) FROM {DuckDbTypeMap.Quote(schema.Name)}";
            rows[schema.Name] = Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        }

        return (rows, changes);
    }

    /// <summary>A view's schema with the two key columns after its own.</summary>
    public static ViewSchema Keyed(ViewSchema schema) => schema with
    {
        Columns = [.. schema.Columns, .. KeyColumns.Select(name => new ViewColumn(name, "string", false, SqlType.CharacterVarying))],
    };

    /// <summary>
    /// Deletions first, then the new versions, as the Bulk Data IG's increments are meant to be read: a resource deleted and
    /// re-created in one increment is listed in both, and its current state is the new version. A resource of the
    /// increment's output loses all its earlier rows whatever it yields now (more, fewer, or none when it fails a
    /// <c>where</c>). At Group level the rows of patients no longer active in the Group go last.
    /// </summary>
    private async Task ApplyOneAsync(DuckDBConnection connection, IncrementFolder folder, bool groupLevel, SyncViews views, List<ViewSchema> schemas, Dictionary<string, TableChanges> changes, CancellationToken cancellationToken)
    {
        var seen = new ConcurrentDictionary<string, byte>(StringComparer.Ordinal);
        var keyed = views.Views.Select((v, i) => (ICompiledView)new KeyedView(v, schemas[i], seen, members: null)).ToList();
        await using (var staging = new StagingSink(connection))
        {
            await new FhirTables(tablesOptions).RunAsync(folder.Resources(), keyed, staging, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        await ExecuteAsync(connection, $"CREATE OR REPLACE TABLE {GoneTable} (k VARCHAR)", cancellationToken).ConfigureAwait(false);
        AppendKeys(connection, GoneTable, (await folder.DeletedKeysAsync(cancellationToken).ConfigureAwait(false)).Concat(seen.Keys));
        HashSet<string>? members = groupLevel ? folder.ActiveMembers() : null;
        if (members is not null)
        {
            await ExecuteAsync(connection, $"CREATE OR REPLACE TABLE {MembersTable} (k VARCHAR)", cancellationToken).ConfigureAwait(false);
            AppendKeys(connection, MembersTable, members);
        }

        foreach (var schema in schemas)
        {
            var table = DuckDbTypeMap.Quote(schema.Name);
            var staged = DuckDbTypeMap.Quote(StagingPrefix + schema.Name);
            var change = await CountChangesAsync(connection, table, staged, $"SELECT k FROM {GoneTable}", cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, $"DELETE FROM {table} WHERE {ResourceKeyColumn} IN (SELECT k FROM {GoneTable})", cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, $"INSERT INTO {table} SELECT * FROM {staged}", cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, $"DROP TABLE {staged}", cancellationToken).ConfigureAwait(false);
            if (members is not null)
            {
                await using var leavers = connection.CreateCommand();
                leavers.CommandText = $"DELETE FROM {table} WHERE {PatientKeyColumn} IS NOT NULL AND {PatientKeyColumn} NOT IN (SELECT k FROM {MembersTable})";
                change = change with { Deleted = change.Deleted + await leavers.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) };
            }

            changes[schema.Name] += change;
        }

        await ExecuteAsync(connection, $"DROP TABLE {GoneTable}", cancellationToken).ConfigureAwait(false);
        if (members is not null)
        {
            await ExecuteAsync(connection, $"DROP TABLE {MembersTable}", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Before an increment's old rows go: its new rows (<paramref name="added"/>) of resources with rows in
    /// <paramref name="current"/> (replaced) or without (added), and the current rows of resources in <paramref name="gone"/>
    /// it has no new row for (deleted).
    /// </summary>
    /// <param name="connection">Where to count.</param>
    /// <param name="current">The table or subquery of the rows before the increment; null when there were none.</param>
    /// <param name="added">The table or table function of the increment's new rows.</param>
    /// <param name="gone">A query of the keys whose current rows the increment removes.</param>
    /// <param name="cancellationToken">Stops the count.</param>
    internal static async Task<TableChanges> CountChangesAsync(DuckDBConnection connection, string? current, string added, string gone, CancellationToken cancellationToken)
    {
        var old = current is null
            ? "SELECT NULL::VARCHAR AS k, 0::BIGINT AS n WHERE false"
            : $"SELECT {ResourceKeyColumn} AS k, count(*) AS n FROM {current} WHERE {ResourceKeyColumn} IN ({gone}) GROUP BY 1";
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            WITH old AS ({old}),
                 new AS (SELECT {ResourceKeyColumn} AS k, count(*) AS n FROM {added} GROUP BY 1)
            SELECT coalesce(sum(new.n) FILTER (WHERE old.k IS NULL), 0)::BIGINT,
                   coalesce(sum(new.n) FILTER (WHERE old.k IS NOT NULL), 0)::BIGINT,
                   coalesce(sum(old.n) FILTER (WHERE new.k IS NULL), 0)::BIGINT
            FROM old FULL OUTER JOIN new ON old.k = new.k
            """;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return new TableChanges(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    internal static void AppendKeys(DuckDBConnection connection, string table, IEnumerable<string> keys)
    {
        using var appender = connection.CreateAppender(table);
        foreach (var key in keys)
        {
            appender.CreateRow().AppendValue(key).EndRow();
        }
    }

    private static Task ExecuteAsync(DuckDBConnection connection, string sql, CancellationToken cancellationToken) =>
        DuckDbSink.ExecuteAsync(connection, sql, cancellationToken);

    /// <summary>Writes each keyed view's rows to a staging table in the open transaction, appended to the view's table once the old rows are gone.</summary>
    private sealed class StagingSink(DuckDBConnection connection) : ITableSink
    {
        private readonly List<StagingWriter> _writers = [];

        public async ValueTask<ITableWriter> OpenTableAsync(ViewSchema schema, CancellationToken cancellationToken = default)
        {
            await ExecuteAsync(connection, DuckDbTypeMap.CreateTableSql(schema with { Name = StagingPrefix + schema.Name }), cancellationToken).ConfigureAwait(false);
            var writer = new StagingWriter(connection, schema);
            _writers.Add(writer);
            return writer;
        }

        public ValueTask CompleteAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public async ValueTask DisposeAsync()
        {
            foreach (var writer in _writers)
            {
                await writer.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private sealed class StagingWriter(DuckDBConnection connection, ViewSchema schema) : ITableWriter
    {
        private readonly DuckDBAppender _appender = connection.CreateAppender(StagingPrefix + schema.Name);
        private readonly object?[] _converted = new object?[schema.Columns.Count];
        private bool _closed;

        public ViewSchema Schema => schema;

        public long RowCount { get; private set; }

        public ValueTask WriteRowAsync(object?[] row, CancellationToken cancellationToken = default)
        {
            for (int i = 0; i < row.Length; i++)
            {
                _converted[i] = DuckDbValues.Convert(schema, i, row[i]);
            }

            var appenderRow = _appender.CreateRow();
            foreach (var value in _converted)
            {
                DuckDbValues.Append(appenderRow, value);
            }

            appenderRow.EndRow();
            RowCount++;
            return ValueTask.CompletedTask;
        }

        public ValueTask CompleteAsync(CancellationToken cancellationToken = default)
        {
            if (!_closed)
            {
                _closed = true;
                _appender.Close();
            }

            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            _closed = true;
            _appender.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
