using FhirBulk.Ndjson;
using FhirBulk.Sinks;
using FhirBulk.Views;

namespace FhirBulk.Tables;

/// <summary>
/// The state of one run: every view's writer, indexed by resource type so that each resource is
/// read once and handed only to the views that want it.
/// </summary>
/// <remarks>
/// Resources are evaluated in small batches, in parallel when
/// <see cref="FhirTablesOptions.MaxDegreeOfParallelism"/> allows, and their rows written in
/// reading order: tables, errors and the first failure of a strict run are the same whatever the
/// parallelism, and memory is bounded by the batch.
/// </remarks>
internal sealed class TableRun(FhirTablesOptions options) : IAsyncDisposable
{
    private const int BatchSize = 256;

    private readonly Dictionary<string, Target[]> _byType = new(StringComparer.Ordinal);
    private readonly List<ITableWriter> _writers = [];
    private readonly List<ResourceLine> _batch = new(BatchSize);
    private readonly List<ViewError> _viewErrors = [];
    private readonly Dictionary<string, long> _resourcesByType = new(StringComparer.Ordinal);

    public long Resources { get; private set; }

    public long Rows { get; private set; }

    public long ViewErrorCount { get; private set; }

    public IReadOnlyList<ViewError> ViewErrors => _viewErrors;

    public IReadOnlyCollection<string> ResourceTypes => _byType.Keys;

    public async Task OpenAsync(IReadOnlyList<ICompiledView> views, ITableSink sink, CancellationToken cancellationToken)
    {
        var byType = new Dictionary<string, List<Target>>(StringComparer.Ordinal);
        foreach (ICompiledView view in views)
        {
            ITableWriter writer = await sink.OpenTableAsync(view.Schema, cancellationToken);
            _writers.Add(writer);
            if (!byType.TryGetValue(view.Schema.Resource, out var list))
            {
                byType[view.Schema.Resource] = list = [];
            }

            list.Add(new Target(view, writer));
        }

        foreach (var (type, targets) in byType)
        {
            _byType[type] = [.. targets];
            _resourcesByType[type] = 0;
        }
    }

    /// <summary>Queues a resource; writes the queued ones when the batch is full.</summary>
    public async Task AddAsync(ResourceLine resource, CancellationToken cancellationToken)
    {
        Resources++;
        if (!_byType.ContainsKey(resource.ResourceType))
        {
            return;
        }

        _resourcesByType[resource.ResourceType]++;
        _batch.Add(resource);
        if (_batch.Count >= BatchSize)
        {
            await FlushAsync(cancellationToken);
        }
    }

    /// <summary>Evaluates the queued resources and writes their rows, in reading order.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_batch.Count == 0)
        {
            return;
        }

        var outcomes = new Outcome[_batch.Count][];
        if (options.MaxDegreeOfParallelism == 1 || _batch.Count == 1)
        {
            for (int i = 0; i < _batch.Count; i++)
            {
                outcomes[i] = Evaluate(_batch[i]);
            }
        }
        else
        {
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism, CancellationToken = cancellationToken };
            Parallel.For(0, _batch.Count, parallel, i => outcomes[i] = Evaluate(_batch[i]));
        }

        for (int i = 0; i < _batch.Count; i++)
        {
            Target[] targets = _byType[_batch[i].ResourceType];
            for (int t = 0; t < targets.Length; t++)
            {
                Outcome outcome = outcomes[i][t];
                if (outcome.Error is { } error)
                {
                    Record(targets[t].View, _batch[i], error);
                    continue;
                }

                foreach (object?[] row in outcome.Rows!)
                {
                    try
                    {
                        await targets[t].Writer.WriteRowAsync(row, cancellationToken);
                        Rows++;
                    }
                    catch (TableSinkException ex)
                    {
                        // A value the table cannot store (an instant that is not one): that row
                        // is skipped like a view failure, rather than losing the rest of the run.
                        Record(targets[t].View, _batch[i], ex);
                    }
                }
            }
        }

        _batch.Clear();
    }

    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        await FlushAsync(cancellationToken);
        foreach (ITableWriter writer in _writers)
        {
            await writer.CompleteAsync(cancellationToken);
        }
    }

    /// <summary>Resources read per type the views read; a type with none has 0.</summary>
    public IReadOnlyDictionary<string, long> ResourcesByType() => new Dictionary<string, long>(_resourcesByType, StringComparer.Ordinal);

    public IReadOnlyDictionary<string, long> RowsByTable() =>
        _writers.ToDictionary(w => w.Schema.Name, w => w.RowCount, StringComparer.Ordinal);

    public async ValueTask DisposeAsync()
    {
        foreach (ITableWriter writer in _writers)
        {
            await writer.DisposeAsync();
        }
    }

    // The engine's messages start with "file:line: "; the error record carries those already.
    private static string WithoutLocation(string message, ResourceLine resource)
    {
        string prefix = $"{resource.SourceName}:{resource.LineNumber}: ";
        return message.StartsWith(prefix, StringComparison.Ordinal) ? message[prefix.Length..] : message;
    }

    /// <summary>Every target view's rows for one resource, all collected before any is written, so a failure mid-way writes none.</summary>
    private Outcome[] Evaluate(ResourceLine resource)
    {
        Target[] targets = _byType[resource.ResourceType];
        var outcomes = new Outcome[targets.Length];
        for (int t = 0; t < targets.Length; t++)
        {
            try
            {
                outcomes[t] = new Outcome([.. targets[t].View.Evaluate(resource)], null);
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
            {
                outcomes[t] = new Outcome(null, ex);
            }
        }

        return outcomes;
    }

    private void Record(ICompiledView view, ResourceLine resource, Exception ex)
    {
        var error = new ViewError(view.Schema.Name, resource.SourceName, resource.LineNumber, resource.Id, WithoutLocation(ex.Message, resource));
        if (options.ViewErrors == ErrorPolicy.Fail)
        {
            throw new ViewEvaluationException(error, ex);
        }

        ViewErrorCount++;
        if (_viewErrors.Count < options.MaxReportedViewErrors)
        {
            _viewErrors.Add(error);
        }
    }

    private readonly record struct Target(ICompiledView View, ITableWriter Writer);

    private readonly record struct Outcome(List<object?[]>? Rows, Exception? Error);
}
