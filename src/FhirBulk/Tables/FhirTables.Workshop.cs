using FhirBulk.Ndjson;
using FhirBulk.Sinks;
using FhirBulk.Views;
using FhirBulk.Views.Workshop;

namespace FhirBulk.Tables;

/// <summary>The workshop's ways of making tables: (column name, FHIRPath) pairs per type, and flatten-everything.</summary>
public sealed partial class FhirTables
{
    /// <summary>
    /// Makes the workshop's tables from an export already on disk (its <c>reprocess_dataframes</c>):
    /// the types in <paramref name="columns"/> get those columns; every other type in the source
    /// gets the flatten-everything table. Run it again with new columns without downloading again.
    /// </summary>
    /// <param name="source">The resources; must be <see cref="NdjsonSource.IsRepeatable"/> when some type is flattened (two passes).</param>
    /// <param name="columns">Per resource type, its (column name, FHIRPath) pairs. Tables are named after the type in lower case.</param>
    /// <param name="sink">Where the tables go; the caller disposes it.</param>
    /// <param name="progress">Receives progress of both passes (see <see cref="TableProgress.Stage"/>).</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <returns>Rows per table and what was skipped.</returns>
    /// <exception cref="ViewDefinitionException">A FHIRPath does not parse or calls an unknown function; nothing was read.</exception>
    /// <exception cref="NotSupportedException">A type must be flattened but the source is a stream.</exception>
    public async Task<TableRunResult> ReprocessAsync(
        NdjsonSource source,
        IReadOnlyDictionary<string, IReadOnlyList<WorkshopColumn>> columns,
        ITableSink sink,
        IProgress<TableProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(columns);
        List<ICompiledView> views = [.. ViewDefinitionCompiler.CompileAll(WorkshopViews.Create(columns))];
        var mapped = columns.Keys.ToHashSet(StringComparer.Ordinal);
        views.AddRange(await CreateFlattenViewsAsync(source, type => !mapped.Contains(type), progress, cancellationToken));
        return await RunAsync(source, views, sink, progress, cancellationToken);
    }

    /// <summary>
    /// Builds the flatten-everything view of each resource type in <paramref name="source"/>
    /// (flatten_json-style columns such as <c>name_0_given_0</c>, the union over all resources, in
    /// a stable order) by scanning the source once. Run them with <see cref="RunAsync"/>.
    /// </summary>
    /// <param name="source">The resources; must be <see cref="NdjsonSource.IsRepeatable"/> to be run afterwards.</param>
    /// <param name="resourceTypes">Only these types, or <see langword="null"/> for every type found.</param>
    /// <param name="cancellationToken">Stops the scan.</param>
    /// <returns>One view per type found, named after the type in lower case, in ordinal order of type.</returns>
    public Task<IReadOnlyList<ICompiledView>> CreateFlattenViewsAsync(NdjsonSource source, IEnumerable<string>? resourceTypes = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        HashSet<string>? wanted = resourceTypes?.ToHashSet(StringComparer.Ordinal);
        return CreateFlattenViewsAsync(source, type => wanted is null || wanted.Contains(type), null, cancellationToken);
    }

    private async Task<IReadOnlyList<ICompiledView>> CreateFlattenViewsAsync(NdjsonSource source, Func<string, bool> wanted, IProgress<TableProgress>? progress, CancellationToken cancellationToken)
    {
        // A folder names its types; a mixed file must be read to find them.
        IEnumerable<string>? filter = source.Files.All(f => f.ResourceType is not null)
            ? source.Files.Select(f => f.ResourceType!).Where(wanted).Distinct(StringComparer.Ordinal).ToList()
            : null;
        if (filter is List<string> { Count: 0 })
        {
            return [];
        }

        if (!source.IsRepeatable)
        {
            throw new NotSupportedException($"Flatten-everything tables read the input twice (columns, then rows), which '{source.Files[0].Name}' cannot do; save it to a file first.");
        }

        var builders = new SortedDictionary<string, FlattenViewBuilder>(StringComparer.Ordinal);
        TimeProvider clock = _options.TimeProvider;
        long lastReport = clock.GetTimestamp();
        long resources = 0;
        await foreach (ResourceLine resource in source.ReadAsync(filter, cancellationToken))
        {
            resources++;
            if (progress is not null && clock.GetElapsedTime(lastReport) >= _options.ProgressInterval)
            {
                lastReport = clock.GetTimestamp();
                progress.Report(new TableProgress(resources, source.BytesRead, source.TotalBytes, 0, source.MalformedLines.Count, 0, TableStage.ScanningColumns));
            }

            if (!wanted(resource.ResourceType))
            {
                continue;
            }

            if (!builders.TryGetValue(resource.ResourceType, out FlattenViewBuilder? builder))
            {
                builders[resource.ResourceType] = builder = new FlattenViewBuilder(resource.ResourceType);
            }

            builder.Add(resource);
        }

        return ViewDefinitionCompiler.CompileAll(builders.Values.Where(b => b.ColumnCount > 0).Select(b => b.Build()));
    }
}
