using System.Text;
using FhirBulk.Views;

namespace FhirBulk.Sinks.Csv;

/// <summary>Writes one CSV table.</summary>
internal sealed class CsvTableWriter(TableOutput output, ViewSchema schema) : ITableWriter
{
    private readonly StreamWriter _writer = new(output.Stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 1 << 16);
    private readonly StringBuilder _line = new();
    private bool _completed;

    public ViewSchema Schema { get; } = schema;

    public long RowCount { get; private set; }

    public Task WriteHeaderAsync(CancellationToken cancellationToken) =>
        WriteLineAsync(Schema.Columns.Select(c => (object?)c.Name).ToArray(), cancellationToken);

    public async ValueTask WriteRowAsync(object?[] row, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(row);
        ObjectDisposedException.ThrowIf(_completed, this);
        if (row.Length != Schema.Columns.Count)
        {
            throw new TableSinkException($"Table '{Schema.Name}' has {Schema.Columns.Count} columns but a row has {row.Length} values.");
        }

        await WriteLineAsync(row, cancellationToken);
        RowCount++;
    }

    public async ValueTask CompleteAsync(CancellationToken cancellationToken = default)
    {
        if (_completed)
        {
            return;
        }

        _completed = true;
        await _writer.FlushAsync(cancellationToken);
        await output.CompleteAsync(cancellationToken);
    }

    // Not _writer's dispose, which would flush rows of an abandoned table: its file is deleted,
    // and a flush could fail again (a full disk) and hide the error that stopped the run.
    public ValueTask DisposeAsync() => output.DisposeAsync();

    internal static void AppendField(StringBuilder line, string? text)
    {
        if (text is null)
        {
            return;
        }

        if (text.AsSpan().IndexOfAny(",\"\r\n") < 0)
        {
            line.Append(text);
            return;
        }

        line.Append('"').Append(text.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
    }

    private async Task WriteLineAsync(object?[] values, CancellationToken cancellationToken)
    {
        _line.Clear();
        for (int i = 0; i < values.Length; i++)
        {
            if (i > 0)
            {
                _line.Append(',');
            }

            AppendField(_line, SinkValues.ToCell(values[i]));
        }

        _line.Append("\r\n");
        await _writer.WriteAsync(_line, cancellationToken);
    }
}
