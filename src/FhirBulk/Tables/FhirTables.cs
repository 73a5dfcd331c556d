using FhirBulk.Ndjson;
using FhirBulk.Sinks;
using FhirBulk.Views;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FhirBulk.Tables;

/// <summary>
/// Turns NDJSON into tables: runs views over a source into a sink in one pass, and answers the
/// workshop's other questions about a downloaded export (an example resource, what it holds).
/// </summary>
/// <example>
/// <code>
/// var tables = new FhirTables();
/// await using var sink = new DuckDbSink("export.duckdb");
/// TableRunResult result = await tables.RunAsync(NdjsonSource.FromFolder("export"), views, sink);
/// </code>
/// </example>
public sealed partial class FhirTables
{
    private readonly FhirTablesOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates the pipeline.</summary>
    /// <param name="options">How to run; <see langword="null"/> for the defaults.</param>
    /// <param name="logger">Where to log run summaries and skipped input; <see langword="null"/> for none.</param>
    public FhirTables(FhirTablesOptions? options = null, ILogger<FhirTables>? logger = null)
    {
        _options = (options ?? new FhirTablesOptions()).Validated();
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>
    /// Reads <paramref name="source"/> once and writes every view's rows to <paramref name="sink"/>,
    /// one table per view. Only the resource types some view reads are parsed.
    /// </summary>
    /// <param name="source">The resources; a folder or file can be run again with other views (re-processing without downloading again).</param>
    /// <param name="views">The views; their names must be unique (ignoring case, as SQL does).</param>
    /// <param name="sink">
    /// Where the tables go; the caller disposes it. The run commits it (<see cref="ITableSink.CompleteAsync"/>)
    /// only once every table is complete, so a run that throws leaves a file sink's previous output as it was.
    /// </param>
    /// <param name="progress">
    /// Receives progress at most every <see cref="FhirTablesOptions.ProgressInterval"/>, and once at the end; progress is
    /// reported on the calling thread, between resources, or, for views compiled by <see cref="ViewDefinitionCompiler"/>, which
    /// take the input a read buffer at a time (<see cref="NdjsonSourceOptions.BufferSize"/>), between read buffers.
    /// </param>
    /// <param name="cancellationToken">Stops the run; the sink is then not committed (tables streamed to stdout may be partial).</param>
    /// <returns>Rows per table and what was skipped.</returns>
    /// <exception cref="ArgumentException">No views, or two views share a name.</exception>
    /// <exception cref="MalformedNdjsonException">A line is malformed and the source's policy is <see cref="ErrorPolicy.Fail"/>.</exception>
    /// <exception cref="ViewEvaluationException">
    /// A view fails on a resource, or gives a value that does not fit its column's SQL type, and
    /// <see cref="FhirTablesOptions.ViewErrors"/> is <see cref="ErrorPolicy.Fail"/>. Under <see cref="ErrorPolicy.Skip"/> such a
    /// value is written as null and reported in <see cref="TableRunResult.ValueMisfits"/>.
    /// </exception>
    /// <exception cref="TableSinkException">The sink cannot store a table or value.</exception>
    public async Task<TableRunResult> RunAsync(
        NdjsonSource source,
        IEnumerable<ICompiledView> views,
        ITableSink sink,
        IProgress<TableProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(views);
        ArgumentNullException.ThrowIfNull(sink);
        // Values are checked against their columns' types where the resource is known, so a report can name it.
        var misfits = new MisfitLog(_options.MaxReportedViewErrors);
        IReadOnlyList<ICompiledView> viewList = [.. CheckedViews(views).Select((v, i) => TypedView.Over(v, i, _options.ViewErrors, misfits))];

        TimeProvider clock = _options.TimeProvider;
        long started = clock.GetTimestamp();
        TablesLog.RunStarting(_logger, viewList.Count, source.Files.Count, sink.GetType().Name);

        await using var run = new TableRun(_options);
        await run.OpenAsync(viewList, sink, cancellationToken);
        long lastReport = started;
        void Report()
        {
            if (progress is not null && clock.GetElapsedTime(lastReport) >= _options.ProgressInterval)
            {
                lastReport = clock.GetTimestamp();
                progress.Report(Progress(source, run));
            }
        }

        if (run.BorrowsLines)
        {
            await foreach (var block in source.ReadBlocksAsync(run.ResourceTypes, run.LineFilter, cancellationToken, topLevelMembers: true))
            {
                await run.AddAsync(block, cancellationToken);
                Report();
            }
        }
        else
        {
            await foreach (ResourceLine resource in source.ReadAsync(run.ResourceTypes, run.LineFilter, cancellationToken, topLevelMembers: true))
            {
                await run.AddAsync(resource, cancellationToken);
                Report();
            }
        }

        await run.CompleteAsync(cancellationToken);
        await sink.CompleteAsync(cancellationToken);
        progress?.Report(Progress(source, run));

        TimeSpan elapsed = clock.GetElapsedTime(started);
        TablesLog.RunCompleted(_logger, run.Rows, run.Resources, elapsed);
        if (source.MalformedLines.Count > 0)
        {
            TablesLog.MalformedLinesSkipped(_logger, source.MalformedLines.Count, source.MalformedLines.Examples.FirstOrDefault()?.ToString() ?? "");
        }

        if (run.ViewErrorCount > 0)
        {
            TablesLog.ViewErrorsSkipped(_logger, run.ViewErrorCount, run.ViewErrors.FirstOrDefault()?.ToString() ?? "");
        }

        IReadOnlyList<ColumnMisfits> misfitReports = misfits.Reports();
        foreach (ColumnMisfits column in misfitReports)
        {
            TablesLog.ValuesMisfit(_logger, column.View, column.Column, column.Type.ToString(), column.Count, column.Examples.FirstOrDefault()?.ToString() ?? "");
        }

        return new TableRunResult(run.RowsByTable(), run.ResourcesByType(), run.Resources, source.BytesRead, source.MalformedLines, run.ViewErrorCount, [.. run.ViewErrors], misfitReports, elapsed);
    }

    /// <summary>
    /// Finds a resource to look at (the workshop's <c>get_example_resource</c>): the first of
    /// <paramref name="resourceType"/>, or the one with <paramref name="id"/>.
    /// </summary>
    /// <param name="source">Where to look.</param>
    /// <param name="resourceType">The resource type, e.g. <c>Patient</c>.</param>
    /// <param name="id">The id wanted, or <see langword="null"/> for the first resource of the type.</param>
    /// <param name="cancellationToken">Stops the search.</param>
    /// <returns>The resource, or <see langword="null"/> when there is none; reading stops at the first match.</returns>
    public async Task<ResourceLine?> GetExampleResourceAsync(NdjsonSource source, string resourceType, string? id = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentException.ThrowIfNullOrEmpty(resourceType);
        await foreach (ResourceLine resource in source.ReadAsync([resourceType], cancellationToken))
        {
            if (id is null || string.Equals(resource.Id, id, StringComparison.Ordinal))
            {
                return resource;
            }
        }

        return null;
    }

    /// <summary>
    /// How many resources of <paramref name="resourceType"/> <paramref name="source"/> holds, and the ids of the first few:
    /// what to offer when <see cref="GetExampleResourceAsync"/> finds no resource with an id of a type that is there.
    /// </summary>
    /// <param name="source">The resources; read to the end.</param>
    /// <param name="resourceType">The resource type, e.g. <c>Patient</c>.</param>
    /// <param name="shown">How many ids to keep, in the order they come.</param>
    /// <param name="cancellationToken">Stops the count.</param>
    /// <returns>The count and the first ids.</returns>
    public async Task<ResourceIdSample> SampleIdsAsync(NdjsonSource source, string resourceType, int shown = 5, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentException.ThrowIfNullOrEmpty(resourceType);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shown);
        long count = 0;
        var ids = new List<string>();
        await foreach (ResourceLine resource in source.ReadAsync([resourceType], cancellationToken))
        {
            count++;
            if (ids.Count < shown && resource.Id is { } id)
            {
                ids.Add(id);
            }
        }

        return new ResourceIdSample(resourceType, count, ids);
    }

    /// <summary>Counts the resources of each type in <paramref name="source"/>: which types an export holds, and how many.</summary>
    /// <param name="source">The resources.</param>
    /// <param name="cancellationToken">Stops the count.</param>
    /// <returns>Resource counts by type, in ordinal order of type.</returns>
    public async Task<IReadOnlyDictionary<string, long>> CountResourcesAsync(NdjsonSource source, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        await foreach (ResourceLine resource in source.ReadAsync(cancellationToken: cancellationToken))
        {
            counts[resource.ResourceType] = counts.GetValueOrDefault(resource.ResourceType) + 1;
        }

        return counts;
    }

    private static IReadOnlyList<ICompiledView> CheckedViews(IEnumerable<ICompiledView> views)
    {
        List<ICompiledView> list = [.. views];
        if (list.Count == 0)
        {
            throw new ArgumentException("At least one view is needed.", nameof(views));
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (ICompiledView view in list)
        {
            ArgumentNullException.ThrowIfNull(view, nameof(views));
            if (!names.Add(view.Schema.Name))
            {
                throw new ArgumentException($"Two views are named '{view.Schema.Name}'; each view becomes a table, so names must be unique.", nameof(views));
            }
        }

        return list;
    }

    private static TableProgress Progress(NdjsonSource source, TableRun run) =>
        new(run.Resources, source.BytesRead, source.TotalBytes, run.Rows, source.MalformedLines.Count, run.ViewErrorCount);
}
