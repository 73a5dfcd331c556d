using System.Collections.Concurrent;

namespace FhirBulk.Storage;

/// <summary>
/// One store's part-sized buffers, reused by its writers one after another: as many exist as writers ever held one at the
/// same time (an export's parallel downloads and its state save), whatever the number or size of the objects written.
/// </summary>
/// <remarks>
/// Not <see cref="System.Buffers.ArrayPool{T}.Shared"/>: it keeps a returned array in the returning thread's own slot, where a
/// writer on another thread cannot find it, so with writes hopping between pool threads it kept allocating new 8 MiB arrays
/// and the CLI's memory grew with the export's size (issue 13: 181 MB at 200 MB, 236 MB at 2 GB against s3rver).
/// </remarks>
internal sealed class PartBuffers(int partSize)
{
    private readonly ConcurrentBag<byte[]> free = [];

    /// <summary>The length of every buffer: one part.</summary>
    public int PartSize { get; } = partSize;

    /// <summary>A free buffer, or a new one when every buffer is held.</summary>
    public byte[] Rent() => free.TryTake(out var buffer) ? buffer : GC.AllocateUninitializedArray<byte>(PartSize);

    /// <summary>Gives back a buffer from <see cref="Rent"/> once its bytes are no longer needed.</summary>
    public void Return(byte[] buffer) => free.Add(buffer);
}
