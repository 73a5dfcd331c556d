using FhirBulk.Sinks;
using FhirBulk.Views;

namespace FhirBulk.Benchmarks.Views;

/// <summary>A sink that counts rows and keeps nothing: the engine's cost without any storage.</summary>
internal sealed class NullSink : ITableSink
{
    public ValueTask<ITableWriter> OpenTableAsync(ViewSchema schema, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<ITableWriter>(new Writer(schema));

    public ValueTask CompleteAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private sealed class Writer(ViewSchema schema) : ITableWriter
    {
        public ViewSchema Schema => schema;

        public long RowCount { get; private set; }

        public ValueTask WriteRowAsync(object?[] row, CancellationToken cancellationToken = default)
        {
            RowCount++;
            return ValueTask.CompletedTask;
        }

        public ValueTask CompleteAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
