using System.Runtime.InteropServices;
using FhirBulk.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace FhirBulk.Tests.Storage;

public class PartedObjectWriterTests
{
    private const int PartSize = StorageDefaults.MinPartSize;

    [Fact]
    public async Task SmallObject_IsSentFromABufferFarSmallerThanAPart()
    {
        // An export saves its state (a few KB) every second: it must not hold a part buffer.
        await using var writer = new RecordingWriter(new BufferPool(PartSize));
        var state = new byte[4096];
        Random.Shared.NextBytes(state);

        await writer.WriteAsync(state);
        await writer.CommitAsync();

        var sent = Assert.Single(writer.Sent);
        Assert.Equal(state, sent.Bytes);
        Assert.InRange(sent.ArrayLength, state.Length, PartedObjectWriter.FirstBufferSize);
    }

    [Fact]
    public async Task LargeObject_IsSentInFullPartsFromOneBufferOfAboutAPart()
    {
        await using var writer = new RecordingWriter(new BufferPool(PartSize));
        var content = new byte[(2 * PartSize) + 12345];
        Random.Shared.NextBytes(content);

        // Uneven writes, sync and async, cross every doubling of the buffer and both part boundaries.
        var at = 0;
        for (var size = 1; at < content.Length; size = (size * 3) + 7)
        {
            var n = Math.Min(size, content.Length - at);
            if (size % 2 == 0)
            {
                writer.Write(content, at, n);
            }
            else
            {
                await writer.WriteAsync(content.AsMemory(at, n));
            }

            at += n;
        }

        await writer.CommitAsync();

        Assert.Equal([PartSize, PartSize, 12345], writer.Sent.Select(s => s.Bytes.Length));
        Assert.Equal(content, writer.Sent.SelectMany(s => s.Bytes));
        Assert.All(writer.Sent, s => Assert.Equal(PartSize, s.ArrayLength));
        Assert.True(writer.Completed);
    }

    [Fact]
    public void ObjectsWrittenOneAfterAnotherOnDifferentThreads_ShareOnePartBuffer()
    {
        // Writes of an export hop between pool threads; a pool that keeps a returned buffer for its thread (ArrayPool.Shared)
        // allocated a new part for each, and the CLI's memory grew with the export's size (issue 13).
        var buffers = new BufferPool(PartSize);
        var arrays = new List<byte[]>();
        for (var i = 0; i < 3; i++)
        {
            var thread = new Thread(() =>
            {
                using var writer = new RecordingWriter(buffers);
                writer.Write(new byte[PartSize + 1]);
                writer.CommitAsync().GetAwaiter().GetResult();
                arrays.AddRange(writer.Arrays);
            });
            thread.Start();
            thread.Join();
        }

        Assert.Equal(2 * 3, arrays.Count);
        Assert.Single(arrays.Where(a => a.Length == PartSize).Distinct());
    }

    /// <summary>Records each request's bytes and the length of the array they were sent from.</summary>
    private sealed class RecordingWriter(BufferPool buffers) : PartedObjectWriter("object", "test object", buffers, NullLogger.Instance)
    {
        public List<(byte[] Bytes, int ArrayLength)> Sent { get; } = [];

        public List<byte[]> Arrays { get; } = [];

        public bool Completed { get; private set; }

        protected override string? UploadId => Sent.Count > 0 ? "upload" : null;

        protected override Task SendPartAsync(int number, ReadOnlyMemory<byte> part, CancellationToken cancellationToken)
        {
            Record(part);
            return Task.CompletedTask;
        }

        protected override Task<StoredObject> CompletePartsAsync(CancellationToken cancellationToken)
        {
            Completed = true;
            return Task.FromResult(new StoredObject(Name, BytesWritten, null, null));
        }

        protected override Task<StoredObject> PutWholeAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
        {
            Record(content);
            return Task.FromResult(new StoredObject(Name, BytesWritten, null, null));
        }

        protected override Task AbortAsync() => Task.CompletedTask;

        private void Record(ReadOnlyMemory<byte> bytes)
        {
            Assert.True(MemoryMarshal.TryGetArray(bytes, out var segment));
            Sent.Add((bytes.ToArray(), segment.Array!.Length));
            Arrays.Add(segment.Array);
        }
    }
}
