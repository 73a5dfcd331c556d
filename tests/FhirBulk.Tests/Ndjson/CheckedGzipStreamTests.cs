using System.IO.Compression;
using System.IO.Hashing;
using System.Text;
using CsCheck;
using FhirBulk.Ndjson;
using FhirBulk.Tests.Tables.TestSupport;

namespace FhirBulk.Tests.Ndjson;

public class CheckedGzipStreamTests
{
    // gzip(1)'s output for an empty file: header, an empty final deflate block, CRC-32 0, size 0. GZipStream writes
    // nothing at all for no data, so an empty member is spelled out.
    private static readonly byte[] EmptyMember = [0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0x03, 0x03, 0x00, 0, 0, 0, 0, 0, 0, 0, 0];

    [Fact]
    public void GZipStream_CutAtFlushPoint_ReadsTheFirstHalfWithoutComplaint()
    {
        // Why CheckedGzipStream exists: the framework reports a clean end of stream for gzip data cut where a writer flushed.
        var (cut, firstHalf) = CutAtFlush(Lines(0, 200), Lines(200, 200));

        using var gzip = new GZipStream(new MemoryStream(cut), CompressionMode.Decompress);
        var read = new MemoryStream();
        gzip.CopyTo(read);

        Assert.Equal(firstHalf, read.ToArray());
    }

    [Fact]
    public void Read_CutAtFlushPoint_ThrowsNamingTheFileAndTheCompressedBytes()
    {
        var (cut, firstHalf) = CutAtFlush(Lines(0, 200), Lines(200, 200));
        using var gzip = new CheckedGzipStream(new MemoryStream(cut), "Patient.000.ndjson.gz");
        var read = new MemoryStream();

        var error = Assert.Throws<GzipEndOfStreamException>(() => gzip.CopyTo(read));

        Assert.Equal(firstHalf, read.ToArray());
        Assert.Equal(cut.Length, error.CompressedBytesRead);
        Assert.Equal(
            $"Patient.000.ndjson.gz: truncated gzip: the data ends after {cut.Length} compressed bytes without the CRC-32 and size trailer of its last member",
            error.Message);
        Assert.IsAssignableFrom<IOException>(error);
    }

    [Theory]
    [InlineData("crc")]
    [InlineData("deflate")]
    public void Read_CorruptGzip_ThrowsCorruptNamingTheFileNotInvalidData(string damage)
    {
        var gzip = Gzip(Lines(0, 200));
        if (damage == "crc")
        {
            gzip[^8] ^= 0xFF;
        }
        else
        {
            // Block type 3 is reserved (RFC 1951 §3.2.3): the first deflate block header becomes invalid.
            gzip[10] |= 0b110;
        }

        var error = Assert.Throws<GzipEndOfStreamException>(() => ReadAll(gzip, [], 4096));

        Assert.NotNull(error.Corruption);
        Assert.StartsWith("f: corrupt gzip:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_CompleteGzip_ReadsEverythingWithoutError()
    {
        var data = Lines(0, 500);
        await using var gzip = new CheckedGzipStream(new MemoryStream(Gzip(data)), "f");
        var read = new MemoryStream();

        await gzip.CopyToAsync(read);

        Assert.Equal(data, read.ToArray());
    }

    [Fact]
    public void Read_MultiMemberGzip_ReadsEveryMember()
    {
        var members = new[] { Lines(0, 30), Lines(30, 1), [], Lines(31, 300) };
        byte[] gzip = [.. Gzip(members[0]), .. Gzip(members[1]), .. EmptyMember, .. Gzip(members[3]), .. EmptyMember];

        Assert.Equal(members.SelectMany(m => m).ToArray(), ReadAll(gzip, [], 100_000));
    }

    [Fact]
    public void Read_ZerosAtTheEnd_Throws()
    {
        // Eight zeros spell an empty member's trailer, but these follow no empty member: a crash can leave a file's
        // end zero-filled, and GZipStream reads past zeros after a member without complaint.
        Assert.Throws<GzipEndOfStreamException>(() => ReadAll([.. Gzip(Lines(0, 50)), .. new byte[16]], [], 4096));
    }

    [Fact]
    public void Read_TrailingBytesAfterTheLastMember_Throws()
    {
        byte[] gzip = [.. Gzip(Lines(0, 10)), 0, 0, 0, 0];

        Assert.Throws<GzipEndOfStreamException>(() => ReadAll(gzip, [], 4096));
    }

    [Fact]
    public void Read_AnyCutOfMultiMemberGzip_ThrowsUnlessAtTheEndOfAMember()
    {
        // Members of any size (empty ones too), maybe followed by one cut at a flush point, read in chunks and buffers
        // of any size: a cut is reported unless it falls where a whole member ends (then what is left is valid gzip).
        var member = Gen.Frequency((1, Gen.Const(EmptyMember)), (6, Gen.Int[0, 400].Select(n => Gzip(Lines(0, n)))));
        var flushCut = Gen.Int[1, 300].Select(n => CutAtFlush(Lines(0, n), Lines(n, 10)).Cut);
        Gen.Select(member.Array[1, 4], Gen.Frequency((1, flushCut), (2, Gen.Const(Array.Empty<byte>()))), Gen.Int[0, 100_000], Gen.Int[1, 5000].List[0, 4], Gen.Int[1, 70_000])
            .Sample((members, last, cutAt, chunks, bufferSize) =>
            {
                byte[] bytes = [.. members.SelectMany(m => m), .. last];
                var cut = cutAt % (bytes.Length + 1);
                var wholeEnds = members.Aggregate(new List<int> { 0 }, (ends, m) => [.. ends, ends[^1] + m.Length]);
                try
                {
                    ReadAll(bytes[..cut], chunks, bufferSize);
                    return wholeEnds.Contains(cut);
                }
                catch (GzipEndOfStreamException error)
                {
                    return !wholeEnds.Contains(cut) && error.CompressedBytesRead == cut;
                }
            }, iter: 500);
    }

    [Fact]
    public void Of_AnySplit_GivesTheCrcOfTheSuffix()
    {
        Gen.Select(Gen.Byte.Array[0, 3000], Gen.Byte.Array[0, 3000]).Sample((prefix, suffix) =>
            Crc32Suffix.Of(Crc32.HashToUInt32(prefix), Crc32.HashToUInt32([.. prefix, .. suffix]), suffix.Length) == Crc32.HashToUInt32(suffix));
    }

    private static byte[] ReadAll(byte[] gzip, List<int> chunks, int bufferSize)
    {
        using var stream = new CheckedGzipStream(new ChunkedStream(gzip, chunks), "f");
        var read = new MemoryStream();
        var buffer = new byte[bufferSize];
        int n;
        while ((n = stream.Read(buffer)) > 0)
        {
            read.Write(buffer, 0, n);
        }

        return read.ToArray();
    }

    internal static byte[] Lines(int from, int count) =>
        Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(from, count).Select(i => $"{{\"resourceType\":\"Patient\",\"id\":\"{i}\",\"n\":{i * 7919 % 1000}}}\n")));

    internal static byte[] Gzip(byte[] data)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return buffer.ToArray();
    }

    /// <summary>Gzip of both parts, cut right after a Flush() between them: a deflate sync-flush point, where a dropped connection or a full disk leaves a writer's output.</summary>
    internal static (byte[] Cut, byte[] FirstPart) CutAtFlush(byte[] first, byte[] second)
    {
        using var buffer = new MemoryStream();
        using var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true);
        gzip.Write(first);
        gzip.Flush();
        var cut = buffer.ToArray();
        gzip.Write(second);
        return (cut, first);
    }
}
