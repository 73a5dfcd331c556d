using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;

namespace FhirBulk.Ndjson;

/// <summary>
/// Frames one (already decompressed) NDJSON stream into resources: LF or CRLF line ends, a UTF-8
/// BOM at the start, blank lines and a missing final newline are all accepted.
/// </summary>
/// <remarks>
/// Reads through a <see cref="PipeReader"/> so that a line is found in the pipe's pooled buffers
/// and copied out exactly once, into the array the <see cref="ResourceLine"/> owns.
/// </remarks>
internal sealed class NdjsonLineReader(
    string sourceName,
    NdjsonSourceOptions options,
    MalformedLineReport report,
    IReadOnlySet<string>? resourceTypes)
{
    private static readonly byte[] Bom = [0xEF, 0xBB, 0xBF];

    private readonly ResourceLineParser _parser = new();
    private long _lineNumber;

    public async IAsyncEnumerable<ResourceLine> ReadAsync(Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var pipe = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: options.BufferSize, minimumReadSize: options.BufferSize / 4, leaveOpen: true));
        try
        {
            bool atStart = true;
            while (true)
            {
                ReadResult result = await pipe.ReadAsync(cancellationToken);
                ReadOnlySequence<byte> buffer = result.Buffer;
                if (atStart)
                {
                    if (buffer.Length < Bom.Length && !result.IsCompleted)
                    {
                        pipe.AdvanceTo(buffer.Start, buffer.End);
                        continue;
                    }

                    atStart = false;
                    if (StartsWithBom(buffer))
                    {
                        buffer = buffer.Slice(Bom.Length);
                    }
                }

                while (buffer.PositionOf((byte)'\n') is { } newline)
                {
                    ResourceLine? line = Frame(buffer.Slice(0, newline));
                    buffer = buffer.Slice(buffer.GetPosition(1, newline));
                    if (line is not null)
                    {
                        yield return line;
                    }
                }

                if (result.IsCompleted)
                {
                    if (!buffer.IsEmpty && Frame(buffer) is { } last)
                    {
                        yield return last;
                    }

                    yield break;
                }

                pipe.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        finally
        {
            await pipe.CompleteAsync();
        }
    }

    private static bool StartsWithBom(ReadOnlySequence<byte> buffer)
    {
        if (buffer.Length < Bom.Length)
        {
            return false;
        }

        Span<byte> head = stackalloc byte[3];
        buffer.Slice(0, 3).CopyTo(head);
        return head.SequenceEqual(Bom);
    }

    private ResourceLine? Frame(ReadOnlySequence<byte> raw)
    {
        _lineNumber++;
        byte[] json = Trimmed(raw);
        if (json.Length == 0)
        {
            return null;
        }

        if (!_parser.TryParse(json, out string type, out string? id, out string? error))
        {
            var malformed = new MalformedLine(sourceName, _lineNumber, error!);
            if (options.MalformedLines == ErrorPolicy.Fail)
            {
                throw new MalformedNdjsonException(malformed);
            }

            report.Add(malformed);
            return null;
        }

        return resourceTypes is null || resourceTypes.Contains(type)
            ? new ResourceLine(type, id, json, sourceName, _lineNumber)
            : null;
    }

    private static byte[] Trimmed(ReadOnlySequence<byte> raw)
    {
        if (raw.IsSingleSegment)
        {
            return raw.FirstSpan.Trim(" \t\r"u8).ToArray();
        }

        // A line spanning buffer segments: join it once, then trim in place.
        byte[] joined = raw.ToArray();
        ReadOnlySpan<byte> trimmed = joined.AsSpan().Trim(" \t\r"u8);
        return trimmed.Length == joined.Length ? joined : trimmed.ToArray();
    }
}
