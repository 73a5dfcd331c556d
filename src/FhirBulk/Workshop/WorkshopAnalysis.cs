using System.Globalization;
using DuckDB.NET.Data;
using FhirBulk.Ndjson;
using FhirBulk.Sinks;
using FhirBulk.Sinks.DuckDb;
using FhirBulk.Tables;
using FhirBulk.Views;
using Microsoft.Extensions.Logging;

namespace FhirBulk.Workshop;

/// <summary>
/// Runs the workshop on NDJSON: builds its tables into DuckDB and Parquet, then answers its three
/// research questions with its SQL. What <c>fhir-bulk demo</c> does after the export.
/// </summary>
/// <example>
/// <code>
/// var workshop = WorkshopDefinition.FromDirectory("examples/workshop");
/// WorkshopResult result = await new WorkshopAnalysis().RunAsync(NdjsonSource.Open("export"), workshop, "out");
/// Console.WriteLine(result.Answers.FluVaccinatedPatients);
/// </code>
/// </example>
public sealed class WorkshopAnalysis
{
    /// <summary>The DuckDB database file the tables go to, inside the output folder.</summary>
    public const string DatabaseFileName = "workshop.duckdb";

    /// <summary>The folder the Parquet files go to, inside the output folder.</summary>
    public const string ParquetFolderName = "parquet";

    private readonly FhirTables _tables;

    /// <summary>Creates the analysis.</summary>
    /// <param name="tablesOptions">How views run; <see langword="null"/> for the defaults.</param>
    /// <param name="loggerFactory">Where the table pipeline logs; <see langword="null"/> for nowhere.</param>
    public WorkshopAnalysis(FhirTablesOptions? tablesOptions = null, ILoggerFactory? loggerFactory = null) =>
        _tables = new FhirTables(tablesOptions, loggerFactory?.CreateLogger<FhirTables>());

    /// <summary>
    /// Builds the workshop's tables from <paramref name="source"/> into
    /// <c><paramref name="outputDirectory"/>/workshop.duckdb</c> and
    /// <c>parquet/&lt;table&gt;.parquet</c>, in one pass over the input, and answers the questions.
    /// </summary>
    /// <param name="source">The resources (an export folder, a Synthea file, stdin).</param>
    /// <param name="definition">The workshop's views and queries.</param>
    /// <param name="outputDirectory">Created when missing; tables of the same name are replaced.</param>
    /// <param name="progress">Progress of the table build.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <returns>The answers, the table counts and where the files are.</returns>
    /// <exception cref="ViewDefinitionException">A view of the workshop is invalid; the message names its file.</exception>
    /// <exception cref="DuckDBException">A query of the workshop fails; DuckDB's message says where.</exception>
    public async Task<WorkshopResult> RunAsync(
        NdjsonSource source,
        WorkshopDefinition definition,
        string outputDirectory,
        IProgress<TableProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentException.ThrowIfNullOrEmpty(outputDirectory);
        var views = ViewDefinitionLoader.Compile(definition.Views);
        Directory.CreateDirectory(outputDirectory);
        var databasePath = Path.GetFullPath(Path.Combine(outputDirectory, DatabaseFileName));

        TableRunResult tables;
        await using (var sink = new DuckDbSink(databasePath))
        {
            tables = await _tables.RunAsync(source, views, sink, progress, cancellationToken).ConfigureAwait(false);
        }

        var parquet = await ExportParquetAsync(
            databasePath, views.Select(v => v.Schema.Name), Path.Combine(outputDirectory, ParquetFolderName), cancellationToken).ConfigureAwait(false);
        var answers = await AnswerAsync(databasePath, definition, cancellationToken).ConfigureAwait(false);
        return new WorkshopResult(answers, tables, databasePath, parquet);
    }

    /// <summary>Answers the three questions from a database the workshop's views already built.</summary>
    /// <param name="databasePath">The DuckDB file holding the workshop's tables.</param>
    /// <param name="definition">The workshop, for its queries.</param>
    /// <param name="cancellationToken">Stops the queries.</param>
    /// <returns>The answers.</returns>
    public static async Task<WorkshopAnswers> AnswerAsync(string databasePath, WorkshopDefinition definition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var flu = await QueryAsync(databasePath, definition, WorkshopDefinition.FluVaccinatedPatientsQuery, r => Long(r[0]), cancellationToken).ConfigureAwait(false);
        var conditions = await QueryAsync(databasePath, definition, WorkshopDefinition.TopConditionsQuery, r => new ConditionCount(Text(r[0]), NullableText(r[1]), Long(r[2])), cancellationToken).ConfigureAwait(false);
        var medication = await QueryAsync(databasePath, definition, WorkshopDefinition.TopMedicationQuery, r => new MedicationCount(Text(r[0]), NullableText(r[1]), Long(r[2])), cancellationToken).ConfigureAwait(false);
        var encounterTypes = await QueryAsync(databasePath, definition, WorkshopDefinition.EncounterTypesQuery, r => new EncounterTypeCount(Text(r[0]), NullableText(r[1]), Long(r[2])), cancellationToken).ConfigureAwait(false);
        return new WorkshopAnswers(flu.Count == 0 ? 0 : flu[0], conditions, medication.Count == 0 ? null : medication[0], encounterTypes);
    }

    private static async Task<IReadOnlyList<string>> ExportParquetAsync(string databasePath, IEnumerable<string> tables, string directory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);

        // Like view's outputs: every file is written beside its target and renamed in only when all are, so a failed or
        // cancelled run leaves the previous Parquet files whole.
        var staged = new StagedFiles();
        try
        {
            // DuckDB copies its own tables to Parquet faster than a second pass over the NDJSON could.
            await using var connection = new DuckDBConnection($"Data Source={databasePath};ACCESS_MODE=READ_ONLY");
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            foreach (var table in tables)
            {
                var file = staged.Add(Path.Combine(directory, table + ".parquet"));
                await using var command = connection.CreateCommand();
                command.CommandText = $"COPY {DuckDbTypeMap.Quote(table)} TO {DuckDbTypeMap.Literal(file.TempPath)} (FORMAT parquet, COMPRESSION zstd)";
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                file.MarkComplete();
            }

            var files = staged.Targets;
            staged.Commit();
            return files;
        }
        catch
        {
            staged.Discard();
            throw;
        }
    }

    private static async Task<List<T>> QueryAsync<T>(string databasePath, WorkshopDefinition definition, string name, Func<object?[], T> map, CancellationToken cancellationToken)
    {
        await using var result = await DuckDbDatabase.QueryAsync(databasePath, definition.Query(name), cancellationToken).ConfigureAwait(false);
        var rows = new List<T>();
        await foreach (var row in result.ReadRowsAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(map(row));
        }

        return rows;
    }

    private static long Long(object? value) => value is null ? 0 : Convert.ToInt64(value, CultureInfo.InvariantCulture);

    private static string Text(object? value) => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";

    private static string? NullableText(object? value) => value is null ? null : Text(value);
}

/// <summary>What a <see cref="WorkshopAnalysis"/> run produced.</summary>
/// <param name="Answers">The answers to the three questions.</param>
/// <param name="Tables">Rows per table and what the table build skipped.</param>
/// <param name="DatabasePath">The DuckDB database holding the tables.</param>
/// <param name="ParquetFiles">One Parquet file per table.</param>
public sealed record WorkshopResult(WorkshopAnswers Answers, TableRunResult Tables, string DatabasePath, IReadOnlyList<string> ParquetFiles);
