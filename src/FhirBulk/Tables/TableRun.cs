using FhirBulk.Ndjson;
using FhirBulk.Sinks;
using FhirBulk.Views;

namespace FhirBulk.Tables;

/// <summary>
/// The state of one run: every view's writer, indexed by resource type so that each resource is
/// read once and handed only to the views that want it.
/// </summary>
/// <remarks>
/// Resources are evaluated in batches. With <see cref="FhirTablesOptions.MaxDegreeOfParallelism"/>
/// above 1 the batches form a pipeline: while worker threads evaluate the latest batches, the
/// calling thread goes on reading and writes the rows of the oldest finished batch, so reading,
/// evaluating and writing overlap and every core is busy. Rows are written in reading order:
/// tables, errors and the first failure of a strict run are the same whatever the parallelism,
/// and memory is bounded by the batches in flight (at most one per degree of parallelism).
/// <para>
/// A resource that every view of its type turns down by its raw JSON (<see cref="IPrefilteredView"/>) is passed over
/// by the source itself, through <see cref="LineFilter"/>: counted, never copied out of the read buffer nor queued.
/// </para>
/// </remarks>
internal sealed class TableRun(FhirTablesOptions options) : IAsyncDisposable, IResourceLineFilter
{
    private const int BatchSize = 256;

    private readonly Dictionary<string, Target[]> _byType = new(StringComparer.Ordinal);
    private readonly List<ITableWriter> _writers = [];
    private readonly Queue<Batch> _inFlight = new();
    private readonly List<ViewError> _viewErrors = [];
    private readonly Dictionary<string, long> _resourcesByType = new(StringComparer.Ordinal);
    private List<ResourceLine> _batch = new(BatchSize);
    // The types every view of which has a test on the raw JSON, with those views: only their resources can be passed over.
    private readonly Dictionary<string, IPrefilteredView[]> _prefiltered = new(StringComparer.Ordinal);

    public long Resources { get; private set; }

    public long Rows { get; private set; }

    public long ViewErrorCount { get; private set; }

    public IReadOnlyList<ViewError> ViewErrors => _viewErrors;

    public IReadOnlyCollection<string> ResourceTypes => _byType.Keys;

    /// <summary>The test for the source to pass resources over with, or <see langword="null"/> when no view has one.</summary>
    public IResourceLineFilter? LineFilter => _prefiltered.Count > 0 ? this : null;

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
            if (targets.TrueForAll(t => t.View is IPrefilteredView { HasPrefilter: true }))
            {
                _prefiltered[type] = [.. targets.Select(t => (IPrefilteredView)t.View)];
            }
        }
    }

    /// <summary>Whether any view of the type may select from the resource; thread-safe (the tables are read only).</summary>
    bool IResourceLineFilter.Wants(string resourceType, ReadOnlySpan<byte> json)
    {
        if (!_prefiltered.TryGetValue(resourceType, out IPrefilteredView[]? views))
        {
            return true;
        }

        foreach (IPrefilteredView view in views)
        {
            if (view.MayPass(json))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Counts a resource passed over as one read, as <see cref="AddAsync"/> would have.</summary>
    void IResourceLineFilter.PassedOver(string resourceType)
    {
        Resources++;
        _resourcesByType[resourceType]++;
    }

    /// <summary>Queues a resource; hands the batch on when it is full.</summary>
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
            await DispatchAsync(cancellationToken);
        }
    }

    /// <summary>Evaluates the queued resources, and every batch still in flight, and writes their rows in reading order.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await DispatchAsync(cancellationToken);
        while (_inFlight.Count > 0)
        {
            await WriteOldestAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Starts evaluating the queued resources: on the calling thread when the run is not parallel,
    /// otherwise on the thread pool, writing finished batches until no more than the degree of
    /// parallelism are in flight (the calling thread reads while they run).
    /// </summary>
    private async Task DispatchAsync(CancellationToken cancellationToken)
    {
        if (_batch.Count == 0)
        {
            return;
        }

        List<ResourceLine> resources = _batch;
        _batch = new List<ResourceLine>(BatchSize);
        if (options.MaxDegreeOfParallelism == 1)
        {
            _inFlight.Enqueue(new Batch(resources, Task.FromResult(EvaluateAll(resources))));
        }
        else
        {
            _inFlight.Enqueue(new Batch(resources, Task.Run(() => EvaluateAll(resources), cancellationToken)));
        }

        while (_inFlight.Count > options.MaxDegreeOfParallelism)
        {
            await WriteOldestAsync(cancellationToken);
        }
    }

    private async Task WriteOldestAsync(CancellationToken cancellationToken)
    {
        Batch batch = _inFlight.Peek();
        Outcome[][] outcomes = await batch.Outcomes;
        _inFlight.Dequeue();
        for (int i = 0; i < batch.Resources.Count; i++)
        {
            Target[] targets = _byType[batch.Resources[i].ResourceType];
            for (int t = 0; t < targets.Length; t++)
            {
                Outcome outcome = outcomes[i][t];
                if (outcome.Error is { } error)
                {
                    Record(targets[t].View, batch.Resources[i], error);
                    continue;
                }

                foreach (object?[] row in outcome.Rows!)
                {
                    try
                    {
                        await targets[t].Writer.WriteRowAsync(row, cancellationToken);
                        Rows++;
                    }
                    catch (TableSinkException ex) when (!ex.IsWriteFailure)
                    {
                        // A value the table cannot store (an instant that is not one): that row
                        // is skipped like a view failure, rather than losing the rest of the run.
                        Record(targets[t].View, batch.Resources[i], ex);
                    }
                }
            }
        }
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
        // A run that stopped early (a strict failure, a cancellation) still has workers on its
        // batches; the writers they feed must outlive them.
        while (_inFlight.TryDequeue(out Batch batch))
        {
            await batch.Outcomes.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

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

    private Outcome[][] EvaluateAll(List<ResourceLine> resources)
    {
        var outcomes = new Outcome[resources.Count][];
        for (int i = 0; i < resources.Count; i++)
        {
            outcomes[i] = Evaluate(resources[i]);
        }

        return outcomes;
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

    private readonly record struct Batch(List<ResourceLine> Resources, Task<Outcome[][]> Outcomes);
}
