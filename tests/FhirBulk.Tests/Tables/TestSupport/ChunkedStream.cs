using FhirBulk.Ndjson;

namespace FhirBulk.Tests.Tables.TestSupport;

/// <summary>A read-only stream that returns its bytes in the given chunk sizes, like a slow pipe.</summary>
internal sealed class ChunkedStream(byte[] data, IReadOnlyList<int> chunkSizes) : ReadOnlyStream
{
    private int _position;
    private int _chunk;

    public override int Read(Span<byte> buffer)
    {
        int size = chunkSizes.Count == 0 ? buffer.Length : chunkSizes[_chunk++ % chunkSizes.Count];
        int n = Math.Min(Math.Min(size, buffer.Length), data.Length - _position);
        data.AsSpan(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));
}
