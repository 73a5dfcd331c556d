using System.Buffers;
using System.Text.Json;
using FhirBulk.Views;

namespace FhirBulk.Sinks.Ndjson;

/// <summary>
/// Writes each view as NDJSON: one JSON object per row, keyed by column name, collections as
/// arrays, nulls kept (so every row has every column). A column's JSON type follows its
/// <see cref="ViewColumn.SqlType"/>: BOOLEAN a boolean, INT, BIGINT, DECIMAL and DOUBLE numbers,
/// everything else a string (CHARACTER VARYING, so by default a <c>decimal</c>, in its exact FHIR form;
/// dates and times as the view gave them; BINARY in base64).
/// </summary>
/// <remarks>
/// In a folder, each file is written under a hidden temporary name and replaces the previous
/// <c>&lt;name&gt;.ndjson</c> at <see cref="CompleteAsync"/>; disposing the sink before that
/// deletes the new files and leaves the previous ones.
/// </remarks>
public sealed class NdjsonRowSink : ITableSink
{
    private readonly TableOutputs _outputs;

    /// <summary>Creates a sink writing <c>&lt;name&gt;.ndjson</c> per view into <paramref name="directory"/> (created when missing).</summary>
    /// <param name="directory">The output folder.</param>
    public NdjsonRowSink(string directory) => _outputs = TableOutputs.InDirectory(directory, ".ndjson");

    /// <summary>Creates a sink writing a single view to <paramref name="stream"/> (such as stdout), which it leaves open.</summary>
    /// <param name="stream">The output stream.</param>
    public NdjsonRowSink(Stream stream) => _outputs = TableOutputs.ToStream(stream, ".ndjson");

    /// <inheritdoc/>
    public ValueTask<ITableWriter> OpenTableAsync(ViewSchema schema, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var writer = new NdjsonRowWriter(_outputs.Open(schema.Name), schema);
        _outputs.WriteSchema(schema);
        return ValueTask.FromResult<ITableWriter>(writer);
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

    private sealed class NdjsonRowWriter(TableOutput output, ViewSchema schema) : ITableWriter
    {
        private const int FlushThreshold = 1 << 16;
        private static readonly byte[] Newline = "\n"u8.ToArray();

        private readonly ArrayBufferWriter<byte> _buffer = new(FlushThreshold * 2);
        private readonly JsonEncodedText[] _names = [.. schema.Columns.Select(c => JsonEncodedText.Encode(c.Name))];
        private readonly bool[] _text = [.. schema.Columns.Select(c => c.SqlType.Kind == SqlTypeKind.CharacterVarying)];

        // Columns JSON has a type for: their values become that type (a '42' of an INT column the number 42); the others
        // keep the text the view gave (dates and times in their FHIR form).
        private readonly bool[] _native = [.. schema.Columns.Select(c => c.SqlType.Kind is SqlTypeKind.Boolean or SqlTypeKind.Integer or SqlTypeKind.BigInt or SqlTypeKind.Decimal or SqlTypeKind.Double)];
        private Utf8JsonWriter? _json;
        private bool _completed;

        public ViewSchema Schema { get; } = schema;

        public long RowCount { get; private set; }

        public async ValueTask WriteRowAsync(object?[] row, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(row);
            ObjectDisposedException.ThrowIf(_completed, this);
            if (row.Length != _names.Length)
            {
                throw new TableSinkException($"Table '{Schema.Name}' has {_names.Length} columns but a row has {row.Length} values.");
            }

            _json ??= new Utf8JsonWriter(_buffer);
            _json.Reset(_buffer);
            _json.WriteStartObject();
            for (int i = 0; i < row.Length; i++)
            {
                _json.WritePropertyName(_names[i]);
                SinkValues.WriteJson(_json, _native[i] ? SqlValues.ConvertForSink(Schema, i, row[i]) : row[i], asText: _text[i]);
            }

            _json.WriteEndObject();
            _json.Flush();
            _buffer.Write(Newline);
            RowCount++;
            if (_buffer.WrittenCount >= FlushThreshold)
            {
                await FlushAsync(cancellationToken);
            }
        }

        public async ValueTask CompleteAsync(CancellationToken cancellationToken = default)
        {
            if (_completed)
            {
                return;
            }

            _completed = true;
            await FlushAsync(cancellationToken);
            await output.CompleteAsync(cancellationToken);
        }

        public async ValueTask DisposeAsync()
        {
            if (_json is not null)
            {
                await _json.DisposeAsync();
            }

            await output.DisposeAsync();
        }

        private async Task FlushAsync(CancellationToken cancellationToken)
        {
            await output.Stream.WriteAsync(_buffer.WrittenMemory, cancellationToken);
            _buffer.ResetWrittenCount();
        }
    }
}
