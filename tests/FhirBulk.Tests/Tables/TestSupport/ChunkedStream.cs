using FhirBulk.Ndjson;

namespace FhirBulk.Tests.Tables.TestSupport;

/// <summary>
/// A read-only stream that returns its bytes in the given chunk sizes, like a slow pipe; given <paramref name="failAfterBytes"/>,
/// it throws an <see cref="IOException"/> (<see cref="FailureMessage"/>) there, as a failing disk or dropped connection would.
/// </summary>
internal sealed class ChunkedStream(byte[] data, IReadOnlyList<int> chunkSizes, int? failAfterBytes = null) : ReadOnlyStream
{
    public const string FailureMessage = "Input/output error (test)";

    private int _position;
    private int _chunk;

    public override int Read(Span<byte> buffer)
    {
        var end = failAfterBytes ?? data.Length;
        if (_position >= end && failAfterBytes is not null)
        {
            throw new IOException(FailureMessage);
        }

        int size = chunkSizes.Count == 0 ? buffer.Length : chunkSizes[_chunk++ % chunkSizes.Count];
        int n = Math.Min(Math.Min(size, buffer.Length), end - _position);
        data.AsSpan(_position, n).CopyTo(buffer);
        _position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));
}
