using Microsoft.Data.Analysis;
using FhirBulk.Views;

namespace FhirBulk.Sinks.DataFrames;

/// <summary>
/// Collects each view into a <see cref="DataFrame"/> for notebooks, like the workshop's pandas
/// DataFrames. This is the one sink that holds its tables in memory.
/// </summary>
/// <remarks>
/// Columns have their <see cref="ViewColumn.SqlType"/>: BOOLEAN, INT, BIGINT, DECIMAL, DOUBLE, DATE
/// (<see cref="DateOnly"/>), TIME (<see cref="TimeOnly"/>), TIMESTAMP (<see cref="DateTime"/>, UTC) and
/// TIMESTAMP WITH TIME ZONE (<see cref="DateTimeOffset"/>) become primitive columns; CHARACTER VARYING
/// is text (by default <c>decimal</c>, <c>date</c> and <c>dateTime</c> in their exact FHIR form), BINARY
/// its base64 text; a collection is its JSON array text, as DataFrames have no list columns.
/// </remarks>
public sealed class DataFrameSink : ITableSink
{
    private readonly Dictionary<string, DataFrame> _tables = new(StringComparer.Ordinal);

    /// <summary>The completed tables, by view name.</summary>
    public IReadOnlyDictionary<string, DataFrame> Tables => _tables;

    /// <inheritdoc/>
    public ValueTask<ITableWriter> OpenTableAsync(ViewSchema schema, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(schema);
        return ValueTask.FromResult<ITableWriter>(new DataFrameTableWriter(schema, frame => _tables[schema.Name] = frame));
    }

    /// <inheritdoc/>
    /// <remarks>A table is in <see cref="Tables"/> as soon as its writer completes: there are no files to put in place.</remarks>
    public ValueTask CompleteAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
