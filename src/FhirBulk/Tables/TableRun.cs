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
/// <para>
/// When every view keeps nothing of a line past its evaluation (<see cref="IBorrowingView"/>, <see cref="BorrowsLines"/>),
/// the run takes whole read buffers instead (<see cref="AddAsync(NdjsonLineReader.ReadBlock, CancellationToken)"/>), each
/// one batch: a worker judges a buffer's lines and evaluates them where they lie, uncopied, so that a line is read from
/// memory by one core only, while the calling thread reads the next buffer and writes the rows of the oldest, settling
/// its malformed lines in reading order first. Each line lent is released once its rows are written, and the buffer is
/// read into again once all are.
/// </para>
/// </remarks>
internal sealed class TableRun(FhirTablesOptions options) : IAsyncDisposable, IResourceLineFilter
{
    private const int BatchSize = 256;

    private readonly Dictionary<string, TypeTargets> _byType = new(StringComparer.Ordinal);
    private readonly List<ITableWriter> _writers = [];
    private readonly Queue<Batch> _inFlight = new();
    private readonly List<ViewError> _viewErrors = [];
    private List<Queued> _batch = new(BatchSize);

    // The type of the resource read last, and its views: the lines of a file are of one type, and a source interns
    // type names, so nearly every resource is matched by reference without hashing its type's name.
    private TypeTargets? _last;
    // The types every view of which has a test on the raw JSON, with those views: only their resources can be passed over.
    private readonly Dictionary<string, IPrefilteredView[]> _prefiltered = new(StringComparer.Ordinal);

    public long Resources { get; private set; }

    public long Rows { get; private set; }

    public long ViewErrorCount { get; private set; }

    public IReadOnlyList<ViewError> ViewErrors => _viewErrors;

    public IReadOnlyCollection<string> ResourceTypes => _byType.Keys;

    /// <summary>Whether the run may take read buffers whose lines are lent rather than copied (<see cref="ResourceLine.Block"/>): every view keeps nothing of a line.</summary>
    public bool BorrowsLines { get; private set; }

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

        BorrowsLines = views.All(v => v is IBorrowingView { KeepsNoBytes: true });
        foreach (var (type, targets) in byType)
        {
            _byType[type] = new TypeTargets(type, [.. targets]);
            if (targets.TrueForAll(t => t.View is IPrefilteredView { HasPrefilter: true }))
            {
                _prefiltered[type] = [.. targets.Select(t => (IPrefilteredView)t.View)];
            }
        }
    }

    /// <summary>Whether any view of the type may select from the resource; thread-safe (the tables are read only).</summary>
    bool IResourceLineFilter.Wants(string resourceType, ReadOnlySpan<byte> json, bool mayHoldEscapes, ReadOnlySpan<int> topLevelMembers)
    {
        if (!_prefiltered.TryGetValue(resourceType, out IPrefilteredView[]? views))
        {
            return true;
        }

        foreach (IPrefilteredView view in views)
        {
            if (view.MayPass(json, mayHoldEscapes, topLevelMembers))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Counts a resource passed over as one read, as <see cref="AddAsync(ResourceLine, CancellationToken)"/> would have.</summary>
    void IResourceLineFilter.PassedOver(string resourceType)
    {
        Resources++;
        Find(resourceType)!.Resources++;
    }

    /// <summary>Queues a resource; hands the batch on when it is full.</summary>
    public async Task AddAsync(ResourceLine resource, CancellationToken cancellationToken)
    {
        Resources++;
        if (Find(resource.ResourceType) is not { } type)
        {
            return;
        }

        type.Resources++;
        _batch.Add(new Queued(resource, type.Targets));
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

        List<Queued> resources = _batch;
        _batch = new List<Queued>(BatchSize);
        await EnqueueAsync(null, () => new Evaluated(resources, EvaluateAll(resources)), cancellationToken);
    }

    /// <summary>
    /// Queues a read buffer's lines, not yet judged, as one batch: judged and evaluated together on a worker (on the
    /// calling thread when the run is not parallel); their resources are counted, and the buffer's malformed lines
    /// reported, when the batch is written.
    /// </summary>
    public async Task AddAsync(NdjsonLineReader.ReadBlock block, CancellationToken cancellationToken)
    {
        await DispatchAsync(cancellationToken);
        await EnqueueAsync(block, () =>
        {
            block.Judge();
            var resources = new List<Queued>(block.Resources.Count);
            foreach (ResourceLine resource in block.Resources)
            {
                // The table of types is only read once the run is open, so workers may look it up.
                if (_byType.TryGetValue(resource.ResourceType, out TypeTargets? type))
                {
                    resources.Add(new Queued(resource, type.Targets));
                }
            }

            return new Evaluated(resources, EvaluateAll(resources));
        }, cancellationToken);
    }

    private async Task EnqueueAsync(NdjsonLineReader.ReadBlock? block, Func<Evaluated> work, CancellationToken cancellationToken)
    {
        _inFlight.Enqueue(new Batch(block, options.MaxDegreeOfParallelism == 1 ? Task.FromResult(work()) : Task.Run(work, cancellationToken)));
        while (_inFlight.Count > options.MaxDegreeOfParallelism)
        {
            await WriteOldestAsync(cancellationToken);
        }
    }

    private async Task WriteOldestAsync(CancellationToken cancellationToken)
    {
        Batch batch = _inFlight.Peek();
        (List<Queued> resources, Outcome[][] outcomes) = await batch.Work;
        _inFlight.Dequeue();
        if (batch.Block is { } block)
        {
            block.Settle();
            foreach (Queued queued in resources)
            {
                Resources++;
                Find(queued.Resource.ResourceType)!.Resources++;
            }
        }

        for (int i = 0; i < resources.Count; i++)
        {
            (ResourceLine resource, Target[] targets) = resources[i];
            for (int t = 0; t < targets.Length; t++)
            {
                Outcome outcome = outcomes[i][t];
                if (outcome.Error is { } error)
                {
                    Record(targets[t].View, resource, error);
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
                        Record(targets[t].View, resource, ex);
                    }
                }
            }

            resource.Block?.Release();
        }

        batch.Block?.Release();
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
    public IReadOnlyDictionary<string, long> ResourcesByType() => _byType.ToDictionary(t => t.Key, t => t.Value.Resources, StringComparer.Ordinal);

    public IReadOnlyDictionary<string, long> RowsByTable() =>
        _writers.ToDictionary(w => w.Schema.Name, w => w.RowCount, StringComparer.Ordinal);

    public async ValueTask DisposeAsync()
    {
        // A run that stopped early (a strict failure, a cancellation) still has workers on its
        // batches; the writers they feed must outlive them.
        while (_inFlight.TryDequeue(out Batch batch))
        {
            await batch.Work.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
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

    private static Outcome[][] EvaluateAll(List<Queued> resources)
    {
        var outcomes = new Outcome[resources.Count][];
        for (int i = 0; i < resources.Count; i++)
        {
            outcomes[i] = Evaluate(resources[i].Resource, resources[i].Targets);
        }

        return outcomes;
    }

    /// <summary>Every target view's rows for one resource, all collected before any is written, so a failure mid-way writes none.</summary>
    private static Outcome[] Evaluate(ResourceLine resource, Target[] targets)
    {
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

    /// <summary>A batch in flight: the resources queued, or the read buffer whose lines are judged with them, and the work on them.</summary>
    private readonly record struct Batch(NdjsonLineReader.ReadBlock? Block, Task<Evaluated> Work);

    private readonly record struct Evaluated(List<Queued> Resources, Outcome[][] Outcomes);

    private readonly record struct Queued(ResourceLine Resource, Target[] Targets);

    /// <summary>A resource type's views, and how many of its resources were read.</summary>
    private sealed class TypeTargets(string name, Target[] targets)
    {
        public string Name => name;

        public Target[] Targets => targets;

        public long Resources { get; set; }
    }

    private TypeTargets? Find(string resourceType)
    {
        if (_last is { } last && ReferenceEquals(last.Name, resourceType))
        {
            return last;
        }

        return _byType.TryGetValue(resourceType, out TypeTargets? found) ? _last = found : null;
    }
}
