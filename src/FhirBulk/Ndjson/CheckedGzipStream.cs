using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace FhirBulk.Ndjson;

/// <summary>
/// Decompresses gzip (RFC 1952) as <see cref="GZipStream"/> does, members one after another (§2.2), and throws
/// <see cref="GzipEndOfStreamException"/> at the end when the data stopped before the trailer of its last member:
/// <see cref="GZipStream"/> reports end-of-stream without complaint wherever its input stops (at a deflate flush
/// point, where a writer cut off mid-file leaves it, the output is even a clean run of whole lines).
/// </summary>
/// <remarks>
/// <para>
/// zlib checks the trailer (CRC-32 and ISIZE, §2.3.1) of every member it finishes; what it cannot tell is whether
/// the last one finished. So at the end the last 8 bytes of input must be the trailer of the last member's data:
/// its CRC-32, and its length modulo 2^32.
/// </para>
/// <para>
/// That data is found without parsing deflate: <see cref="GZipStream"/> stops each read at the end of a member, so
/// the last member starts at a read boundary, the one ISIZE bytes before the end. The running CRC-32 is kept at every
/// boundary, and the CRC-32 of the suffix follows from it and the final one by zlib's <c>crc32_combine</c> run
/// backwards. A cut stream gets through only if its last 8 bytes happen to spell such a trailer: one chance in 2^32
/// for a boundary at the right offset. Eight zero bytes spell the trailer of an empty member, and also the zeros a
/// crash can leave at the end of a file, so they count only after the deflate data every encoder writes for nothing
/// (<c>03 00</c>, or <c>01 00 00 FF FF</c>). A stream with bytes after its last member is reported as cut too: gzip(1)
/// calls that trailing garbage, and nothing trustworthy writes it. No input at all is an empty body, not a cut one.
/// </para>
/// </remarks>
internal sealed class CheckedGzipStream : ReadOnlyStream
{
    private const int TrailerLength = 8;

    // The trailer, and before it room for the longest deflate data of an empty member.
    private const int TailLength = TrailerLength + 5;

    private readonly GZipStream _gzip;
    private readonly Crc32 _crc = new();
    private readonly string _sourceName;
    private readonly byte[] _tail = new byte[TailLength];

    // (decompressed offset, CRC-32 of everything before it) at every read boundary: where members may start.
    private readonly List<(long Offset, uint Crc)> _boundaries = [(0, 0)];
    private long _compressedLength;
    private long _length;
    private bool _ended;

    /// <param name="compressed">The gzip data; disposed with this stream.</param>
    /// <param name="sourceName">The file or URL it comes from, for the error.</param>
    public CheckedGzipStream(Stream compressed, string sourceName)
    {
        _gzip = new GZipStream(new ObservingStream(compressed, KeepTail, leaveOpen: false), CompressionMode.Decompress);
        _sourceName = sourceName;
    }

    public override int Read(Span<byte> buffer)
    {
        try
        {
            return Took(buffer[.._gzip.Read(buffer)], buffer.IsEmpty);
        }
        catch (InvalidDataException corrupt)
        {
            throw Corrupt(corrupt);
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int read;
        try
        {
            read = await _gzip.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException corrupt)
        {
            throw Corrupt(corrupt);
        }

        return Took(buffer.Span[..read], buffer.IsEmpty);
    }

    // Bad deflate data or a wrong CRC is the same loss as a cut (the rest cannot be read), reported the same way: a
    // download fetches the file again, a source reports the line where the data stops; never an unexplained crash.
    private GzipEndOfStreamException Corrupt(InvalidDataException corrupt) => new(_sourceName, _compressedLength, corrupt.Message);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _gzip.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await _gzip.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private void KeepTail(ReadOnlySpan<byte> compressed)
    {
        _compressedLength += compressed.Length;
        if (compressed.Length >= TailLength)
        {
            compressed[^TailLength..].CopyTo(_tail);
        }
        else
        {
            _tail.AsSpan(compressed.Length).CopyTo(_tail);
            compressed.CopyTo(_tail.AsSpan(TailLength - compressed.Length));
        }
    }

    private int Took(ReadOnlySpan<byte> data, bool askedForNothing)
    {
        if (!data.IsEmpty)
        {
            _crc.Append(data);
            _length += data.Length;
            _boundaries.Add((_length, _crc.GetCurrentHashAsUInt32()));
        }
        else if (!askedForNothing && !_ended)
        {
            _ended = true;
            if (_compressedLength > 0 && !EndsWithTrailer())
            {
                throw new GzipEndOfStreamException(_sourceName, _compressedLength);
            }
        }

        return data.Length;
    }

    private bool EndsWithTrailer()
    {
        if (_compressedLength < TrailerLength)
        {
            return false;
        }

        var tail = _tail.AsSpan(TailLength - (int)Math.Min(_compressedLength, TailLength));
        var crc = BinaryPrimitives.ReadUInt32LittleEndian(tail[^TrailerLength..]);
        var size = BinaryPrimitives.ReadUInt32LittleEndian(tail[^4..]);
        if (crc == 0 && size == 0)
        {
            var deflate = tail[..^TrailerLength];
            return deflate.EndsWith((ReadOnlySpan<byte>)[0x03, 0x00]) || deflate.EndsWith((ReadOnlySpan<byte>)[0x01, 0x00, 0x00, 0xFF, 0xFF]);
        }

        // ISIZE is the length modulo 2^32: a last member of 4 GiB or more starts 2^32 bytes further back per wrap.
        for (var start = _length - size; start >= 0; start -= 1L << 32)
        {
            var at = _boundaries.BinarySearch((start, 0), OffsetOrder.Instance);
            if (at >= 0 && Crc32Suffix.Of(_boundaries[at].Crc, _crc.GetCurrentHashAsUInt32(), _length - start) == crc)
            {
                return true;
            }
        }

        return false;
    }

    private sealed class OffsetOrder : IComparer<(long Offset, uint Crc)>
    {
        public static readonly OffsetOrder Instance = new();

        public int Compare((long Offset, uint Crc) x, (long Offset, uint Crc) y) => x.Offset.CompareTo(y.Offset);
    }
}
