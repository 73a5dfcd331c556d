using System.Security.Cryptography;
using System.Text;
using CsCheck;
using FhirBulk.Ndjson;

namespace FhirBulk.Tests.Ndjson;

public class NdjsonVerifierTests
{
    private const string Lines = "{\"resourceType\":\"Patient\",\"id\":\"1\"}\n{\"id\":\"2\",\"resourceType\":\"Patient\",\"name\":[{\"given\":[\"A\\nB\"]}]}\r\n\n{\"resourceType\":\"Patient\",\"id\":\"3\"}";

    [Fact]
    public void Append_AnyChunking_GivesSameCountsAndHashAsWholeFile()
    {
        var bytes = Encoding.UTF8.GetBytes(Lines + "\nnot json\n{\"resourceType\":\"Observation\"}\n");
        var expectedHash = Convert.ToHexStringLower(SHA256.HashData(bytes));
        Gen.Int[1, bytes.Length].Array[1, 10].Sample(cuts =>
        {
            using var verifier = new NdjsonVerifier("Patient.001.ndjson", "Patient", ErrorPolicy.Skip);
            var position = 0;
            foreach (var cut in cuts.Order())
            {
                verifier.Append(bytes.AsSpan(position, Math.Max(0, cut - position)));
                position = Math.Max(position, cut);
            }

            verifier.Append(bytes.AsSpan(position));
            return verifier.Complete() == expectedHash && verifier.Resources == 3 && verifier.MalformedLines.Count == 2 && verifier.Bytes == bytes.Length;
        });
    }

    [Fact]
    public void Complete_WrongTypeAndBadJson_ReportsLineNumbersAndProblems()
    {
        using var verifier = new NdjsonVerifier("f", "Patient", ErrorPolicy.Skip);
        verifier.Append("{\"resourceType\":\"Patient\"}\n{\"resourceType\":\"Observation\"}\n{oops\n{\"id\":\"x\"}\n"u8);
        verifier.Complete();
        Assert.Equal([2L, 3L, 4L], verifier.MalformedLines.Examples.Select(l => l.LineNumber));
        Assert.Equal("resourceType 'Observation', expected 'Patient'", verifier.MalformedLines.Examples[0].Message);
        Assert.Equal("f:4: no \"resourceType\"", verifier.MalformedLines.Examples[2].ToString());
    }

    [Fact]
    public void Append_StrictModeBadLine_ThrowsNamingFileAndLine()
    {
        using var verifier = new NdjsonVerifier("Patient.002.ndjson", "Patient", ErrorPolicy.Fail);
        var error = Assert.Throws<MalformedNdjsonException>(() => verifier.Append("{\"resourceType\":\"Patient\"}\n[1]\n"u8));
        Assert.Equal("Patient.002.ndjson:2: not a JSON object (starts with an array)", error.Message);
        Assert.Equal(("Patient.002.ndjson", 2L), (error.SourceName, error.LineNumber));
    }

    [Fact]
    public void Append_BomAtStartSplitAcrossChunks_KeepsTheFirstResource()
    {
        using var verifier = new NdjsonVerifier("Patient.001.ndjson", "Patient", ErrorPolicy.Skip);
        verifier.Append([0xEF]);
        verifier.Append([0xBB, 0xBF, .. "{\"resourceType\":\"Patient\",\"id\":\"1\"}\n"u8]);
        verifier.Append("{\"resourceType\":\"Patient\",\"id\":\"2\"}\n"u8);
        verifier.Complete();

        Assert.Equal((2L, 0L), (verifier.Resources, verifier.MalformedLines.Count));
    }

    [Fact]
    public void Append_BomAfterTheStart_RejectsThatLine()
    {
        using var verifier = new NdjsonVerifier("f", null, ErrorPolicy.Skip);
        verifier.Append([.. "{\"resourceType\":\"Patient\"}\n"u8, 0xEF, 0xBB, 0xBF, .. "{\"resourceType\":\"Patient\"}\n"u8]);
        verifier.Complete();

        Assert.Equal(1, verifier.Resources);
        Assert.Equal("f:2: not a JSON object (starts with a byte-order mark, U+FEFF, which only a file's first line may have)", Assert.Single(verifier.MalformedLines.Examples).ToString());
    }

    [Fact]
    public void Append_NumericId_Rejected()
    {
        using var verifier = new NdjsonVerifier("f", "Patient", ErrorPolicy.Skip);
        verifier.Append("{\"resourceType\":\"Patient\",\"id\":5}\n"u8);
        verifier.Complete();

        Assert.Equal(0, verifier.Resources);
        Assert.Equal("f:1: \"id\" is a number, not a string", Assert.Single(verifier.MalformedLines.Examples).ToString());
    }

    [Fact]
    public void Append_CrlfBlankAndWhitespaceLines_CountsLinesAsAnEditorShows()
    {
        using var verifier = new NdjsonVerifier("f", null, ErrorPolicy.Skip);
        verifier.Append("{\"resourceType\":\"Patient\"}\r\n\r\n \t\r\n\n\t{\"resourceType\":\"Patient\"} \r\nbad\r\n{\"resourceType\":\"Patient\"}"u8);
        verifier.Complete();

        Assert.Equal(3, verifier.Resources);
        Assert.Equal(6, Assert.Single(verifier.MalformedLines.Examples).LineNumber);
    }

    [Fact]
    public void Truncated_Lenient_DropsTheCutLineAndReportsWhereTheDataStops()
    {
        using var verifier = new NdjsonVerifier("Patient.001.ndjson", "Patient", ErrorPolicy.Skip);
        verifier.Append("{\"resourceType\":\"Patient\"}\n{\"resourceType\":\"Pat"u8);
        verifier.Truncated(1234);
        verifier.Complete();

        Assert.Equal(1, verifier.Resources);
        Assert.Equal(
            "Patient.001.ndjson:2: truncated gzip: the data ends after 1234 compressed bytes without the CRC-32 and size trailer of its last member",
            Assert.Single(verifier.MalformedLines.Examples).ToString());
    }

    [Fact]
    public void Truncated_Strict_ThrowsNamingFileLineAndBytes()
    {
        using var verifier = new NdjsonVerifier("Patient.001.ndjson", "Patient", ErrorPolicy.Fail);
        verifier.Append("{\"resourceType\":\"Patient\"}\n"u8);

        var error = Assert.Throws<TruncatedGzipException>(() => verifier.Truncated(1234));

        Assert.Equal(("Patient.001.ndjson", 2L, 1234L), (error.SourceName, error.LineNumber, error.CompressedBytesRead));
    }
}
