using System.Security.Cryptography;
using System.Text;
using CsCheck;
using FhirBulk.Http;
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
            return verifier.Complete() == expectedHash && verifier.Resources == 3 && verifier.InvalidLineCount == 2 && verifier.Bytes == bytes.Length;
        });
    }

    [Fact]
    public void Complete_WrongTypeAndBadJson_ReportsLineNumbersAndProblems()
    {
        using var verifier = new NdjsonVerifier("f", "Patient", ErrorPolicy.Skip);
        verifier.Append("{\"resourceType\":\"Patient\"}\n{\"resourceType\":\"Observation\"}\n{oops\n{\"id\":\"x\"}\n"u8);
        verifier.Complete();
        Assert.Equal([2L, 3L, 4L], verifier.InvalidLines.Select(l => l.Line));
        Assert.Contains("Observation", verifier.InvalidLines[0].Problem, StringComparison.Ordinal);
        Assert.Equal("no resourceType", verifier.InvalidLines[2].Problem);
    }

    [Fact]
    public void Append_StrictModeBadLine_ThrowsNamingFileAndLine()
    {
        using var verifier = new NdjsonVerifier("Patient.002.ndjson", "Patient", ErrorPolicy.Fail);
        var error = Assert.Throws<FhirBulkException>(() => verifier.Append("{\"resourceType\":\"Patient\"}\n[1]\n"u8));
        Assert.Equal("Patient.002.ndjson line 2: not a JSON object", error.Message);
    }
}
