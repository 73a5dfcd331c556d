using CsCheck;
using FhirBulk.Server.Export;

namespace FhirBulk.Server.Tests.Export;

public class FileRangeTests
{
    [Theory]
    [InlineData("bytes=0-0", 10, 0, 1)]
    [InlineData("bytes=5-100", 10, 5, 5)]
    [InlineData("bytes=-3", 10, 7, 3)]
    [InlineData("bytes=-30", 10, 0, 10)]
    public void TryParseRange_Valid_OffsetAndCount(string header, long length, long offset, long count)
    {
        Assert.True(FileSender.TryParseRange(header, length, out var o, out var c));
        Assert.Equal((offset, count), (o, c));
    }

    [Theory]
    [InlineData("bytes=10-", 10)]
    [InlineData("bytes=5-2", 10)]
    [InlineData("bytes=0-1,4-5", 10)]
    [InlineData("items=0-1", 10)]
    [InlineData("bytes=-0", 10)]
    [InlineData("bytes=x-y", 10)]
    public void TryParseRange_Unsatisfiable_False(string header, long length) => Assert.False(FileSender.TryParseRange(header, length, out _, out _));

    [Fact]
    public void TryParseRange_AnySatisfiableRange_StaysInsideTheFile()
    {
        Gen.Select(Gen.Long[1, 1_000_000], Gen.Long[0, 2_000_000], Gen.Long[0, 2_000_000]).Sample((length, start, end) =>
        {
            if (FileSender.TryParseRange($"bytes={start}-{end}", length, out var offset, out var count))
            {
                Assert.InRange(offset, 0, length - 1);
                Assert.InRange(count, 1, length - offset);
                Assert.Equal(start, offset);
            }
            else
            {
                Assert.True(start >= length || end < start);
            }
        });
    }
}
