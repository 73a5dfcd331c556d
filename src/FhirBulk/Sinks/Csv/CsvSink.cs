using FhirBulk.Views;

namespace FhirBulk.Sinks.Csv;

/// <summary>
/// Writes each view as RFC 4180 CSV: a header of column names, CRLF line ends, fields quoted when
/// they hold a comma, quote or line break. Collections are written as JSON arrays
/// (<c>["a","b"]</c>), the one flat rendering that reads back unambiguously; null is an empty field.
/// </summary>
/// <remarks>
/// In a folder, each file is written under a hidden temporary name and replaces the previous
/// <c>&lt;name&gt;.csv</c> at <see cref="CompleteAsync"/>; disposing the sink before that deletes
/// the new files and leaves the previous ones.
/// </remarks>
public sealed class CsvSink : ITableSink
{
    private readonly TableOutputs _outputs;

    /// <summary>Creates a sink writing <c>&lt;name&gt;.csv</c> and its typed schema <c>&lt;name&gt;.schema.json</c> per view into <paramref name="directory"/> (created when missing).</summary>
    /// <param name="directory">The output folder.</param>
    public CsvSink(string directory) => _outputs = TableOutputs.InDirectory(directory, ".csv");

    /// <summary>Creates a sink writing a single view to <paramref name="stream"/> (such as stdout), which it leaves open.</summary>
    /// <param name="stream">The output stream.</param>
    public CsvSink(Stream stream) => _outputs = TableOutputs.ToStream(stream, ".csv");

    /// <inheritdoc/>
    public async ValueTask<ITableWriter> OpenTableAsync(ViewSchema schema, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var writer = new CsvTableWriter(_outputs.Open(schema.Name), schema);
        _outputs.WriteSchema(schema);
        await writer.WriteHeaderAsync(cancellationToken);
        return writer;
    }

    /// <inheritdoc/>
    public ValueTask CompleteAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _outputs.Commit();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => _outputs.DiscardAsync();
}
