using System.Buffers;
using System.Security.Cryptography;

namespace FhirBulk.Ndjson;

/// <summary>
/// The SHA-256 of one <see cref="NdjsonShardUnit"/>'s bytes as stored (its nominal range; a gzip file compressed),
/// taken from the read that parses the unit, so that a run record's hashes cost no second download of the input.
/// </summary>
/// <remarks>
/// It sees the raw bytes below <see cref="LineRangeStream"/> and gzip: a range's reader reads at least through the
/// range's end (its last line ends at or after it), and whatever a reader left unread is read by
/// <see cref="FinishAsync"/>; bytes past the nominal end are not hashed.
/// </remarks>
internal sealed class UnitDigest(NdjsonShardUnit unit) : IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _hashed;

    /// <summary>Hashes the part of <paramref name="bytes"/>, the raw stream's next bytes, that lies inside the unit.</summary>
    public void Observe(ReadOnlySpan<byte> bytes)
    {
        int inside = (int)Math.Min(bytes.Length, unit.Length - _hashed);
        if (inside > 0)
        {
            _hash.AppendData(bytes[..inside]);
            _hashed += inside;
        }
    }

    /// <summary>Reads from <paramref name="raw"/> (the observed stream) whatever of the unit the reader left, and returns the hash (hex).</summary>
    /// <exception cref="IOException">The file ends before the unit does: it is shorter than when the shards were planned.</exception>
    public async Task<string> FinishAsync(Stream raw, string name, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            while (_hashed < unit.Length)
            {
                if (await raw.ReadAsync(buffer, cancellationToken).ConfigureAwait(false) == 0)
                {
                    throw new IOException($"'{name}' is shorter than when the shards were planned ({unit.File.Length} bytes); it changed during the run.");
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return Convert.ToHexStringLower(_hash.GetCurrentHash());
    }

    public void Dispose() => _hash.Dispose();
}
