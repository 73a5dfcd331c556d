using System.Collections.Concurrent;

namespace FhirBulk.Storage;

/// <summary>
/// Buffers of one size, reused by their users one after another: as many exist as were ever held at the same time (an
/// export's parallel downloads and its state save), whatever the number or size of the objects and files they serve.
/// </summary>
/// <remarks>
/// <para>For buffers above the large object heap's 85,000 bytes (a store's 8 MiB parts, a download's 128 KiB copy buffer).
/// Such an array is collected only by a full collection, which a process streaming data at a steady rate seldom triggers, so
/// one allocated per object or per file stayed in memory as garbage: the CLI's memory grew with the number of files an export
/// wrote (issue 13).</para>
/// <para>Not <see cref="System.Buffers.ArrayPool{T}.Shared"/>: it keeps a returned array in the returning thread's own slot,
/// where a user on another thread cannot find it, so with writes hopping between pool threads it kept allocating new
/// 8 MiB arrays (issue 13: 181 MB at 200 MB, 236 MB at 2 GB against s3rver).</para>
/// </remarks>
internal sealed class BufferPool(int bufferSize)
{
    private readonly ConcurrentBag<byte[]> free = [];

    /// <summary>The length of every buffer.</summary>
    public int BufferSize { get; } = bufferSize;

    /// <summary>A free buffer, or a new one when every buffer is held.</summary>
    public byte[] Rent() => free.TryTake(out var buffer) ? buffer : GC.AllocateUninitializedArray<byte>(BufferSize);

    /// <summary>Gives back a buffer from <see cref="Rent"/> once its bytes are no longer needed.</summary>
    public void Return(byte[] buffer) => free.Add(buffer);
}
