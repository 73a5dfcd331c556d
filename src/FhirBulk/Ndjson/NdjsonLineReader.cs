using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;

namespace FhirBulk.Ndjson;

/// <summary>
/// Reads one (already decompressed) NDJSON stream into resources by the NDJSON line contract: framed by
/// <see cref="NdjsonLineSplitter"/> and judged by <see cref="ResourceLineClassifier"/>, as the download check does.
/// </summary>
/// <remarks>
/// Each resource's bytes are copied once, out of the read buffer into the array its <see cref="ResourceLine"/> owns.
/// Resource type names repeat on every line, so they are interned: a file of a million Observations allocates the
/// string "Observation" once.
/// </remarks>
internal sealed class NdjsonLineReader(
    string sourceName,
    NdjsonSourceOptions options,
    MalformedLineReport report,
    IReadOnlySet<string>? resourceTypes)
{
    // A mixed file holds a few dozen types; the bound keeps a hostile input from growing the table.
    private const int MaxInternedTypes = 256;

    private readonly NdjsonLineSplitter _lines = new();
    private readonly List<ResourceLine> _ready = [];
    private readonly List<(byte[] Utf8, string Name)> _typeNames = [];

    public async IAsyncEnumerable<ResourceLine> ReadAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(options.BufferSize);
        try
        {
            int read;
            while ((read = await ReadChunkAsync(stream, buffer, cancellationToken)) > 0)
            {
                Split(buffer.AsSpan(0, read));
                foreach (var line in _ready)
                {
                    yield return line;
                }

                _ready.Clear();
            }

            if (ReadFinalLine() is { } last)
            {
                yield return last;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads the next chunk; 0 at the end, and at a cut in gzip data, which is reported where the lines stop.</summary>
    private async ValueTask<int> ReadChunkAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        try
        {
            return await stream.ReadAsync(buffer.AsMemory(0, options.BufferSize), cancellationToken);
        }
        catch (GzipEndOfStreamException cut)
        {
            // The unfinished last line is a piece of one, not a line to judge.
            _lines.DiscardPartialLine();
            report.RejectTruncatedGzip(sourceName, _lines.LineNumber + 1, cut.CompressedBytesRead, cut.Corruption, options.MalformedLines);
            return 0;
        }
    }

    private void Split(ReadOnlySpan<byte> data)
    {
        while (_lines.TryReadLine(ref data, out var line))
        {
            if (Frame(line) is { } resource)
            {
                _ready.Add(resource);
            }
        }
    }

    private ResourceLine? ReadFinalLine() => _lines.TryReadFinalLine(out var line) ? Frame(line) : null;

    private ResourceLine? Frame(ReadOnlySpan<byte> line)
    {
        if (ResourceLineClassifier.Classify(line, _lines.TextOffset, out var key) is { } problem)
        {
            report.Reject(new MalformedLine(sourceName, _lines.LineNumber, problem), options.MalformedLines);
            return null;
        }

        var type = Intern(key.ResourceType);
        return resourceTypes is null || resourceTypes.Contains(type)
            ? new ResourceLine(type, key.HasId ? Encoding.UTF8.GetString(key.Id) : null, line.ToArray(), sourceName, _lines.LineNumber)
            : null;
    }

    private string Intern(ReadOnlySpan<byte> utf8)
    {
        foreach (var (bytes, name) in _typeNames)
        {
            if (utf8.SequenceEqual(bytes))
            {
                return name;
            }
        }

        var value = Encoding.UTF8.GetString(utf8);
        if (_typeNames.Count < MaxInternedTypes)
        {
            _typeNames.Add((utf8.ToArray(), value));
        }

        return value;
    }
}
