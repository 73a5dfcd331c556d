using FhirBulk.Ndjson;
using FhirBulk.Sinks;
using FhirBulk.Views;

namespace FhirBulk.Tables;

/// <summary>
/// The state of one run: every view's writer, indexed by resource type so that each resource is
/// read once and handed only to the views that want it.
/// </summary>
internal sealed class TableRun(FhirTablesOptions options) : IAsyncDisposable
{
    private readonly Dictionary<string, List<(ICompiledView View, ITableWriter Writer)>> _byType = new(StringComparer.Ordinal);
    private readonly List<ITableWriter> _writers = [];
    private readonly List<object?[]> _rows = [];
    private readonly List<ViewError> _viewErrors = [];

    public long Resources { get; private set; }

    public long Rows { get; private set; }

    public long ViewErrorCount { get; private set; }

    public IReadOnlyList<ViewError> ViewErrors => _viewErrors;

    public IReadOnlyCollection<string> ResourceTypes => _byType.Keys;

    public async Task OpenAsync(IReadOnlyList<ICompiledView> views, ITableSink sink, CancellationToken cancellationToken)
    {
        foreach (ICompiledView view in views)
        {
            ITableWriter writer = await sink.OpenTableAsync(view.Schema, cancellationToken);
            _writers.Add(writer);
            if (!_byType.TryGetValue(view.Schema.Resource, out var list))
            {
                _byType[view.Schema.Resource] = list = [];
            }

            list.Add((view, writer));
        }
    }

    public async Task AddAsync(ResourceLine resource, CancellationToken cancellationToken)
    {
        Resources++;
        if (!_byType.TryGetValue(resource.ResourceType, out var targets))
        {
            return;
        }

        foreach (var (view, writer) in targets)
        {
            if (!TryEvaluate(view, resource))
            {
                continue;
            }

            foreach (object?[] row in _rows)
            {
                await writer.WriteRowAsync(row, cancellationToken);
            }

            Rows += _rows.Count;
        }
    }

    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        foreach (ITableWriter writer in _writers)
        {
            await writer.CompleteAsync(cancellationToken);
        }
    }

    public IReadOnlyDictionary<string, long> RowsByTable() =>
        _writers.ToDictionary(w => w.Schema.Name, w => w.RowCount, StringComparer.Ordinal);

    public async ValueTask DisposeAsync()
    {
        foreach (ITableWriter writer in _writers)
        {
            await writer.DisposeAsync();
        }
    }

    /// <summary>Collects the view's rows for one resource before any is written, so a failure mid-way writes none.</summary>
    private bool TryEvaluate(ICompiledView view, ResourceLine resource)
    {
        _rows.Clear();
        try
        {
            _rows.AddRange(view.Evaluate(resource));
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            var error = new ViewError(view.Schema.Name, resource.SourceName, resource.LineNumber, resource.Id, WithoutLocation(ex.Message, resource));
            if (options.ViewErrors == ViewErrorPolicy.Fail)
            {
                throw new ViewFailedException(error, ex);
            }

            ViewErrorCount++;
            if (_viewErrors.Count < options.MaxReportedViewErrors)
            {
                _viewErrors.Add(error);
            }

            return false;
        }
    }

    // The engine's messages start with "file:line: "; the error record carries those already.
    private static string WithoutLocation(string message, ResourceLine resource)
    {
        string prefix = $"{resource.SourceName}:{resource.LineNumber}: ";
        return message.StartsWith(prefix, StringComparison.Ordinal) ? message[prefix.Length..] : message;
    }
}
