using FhirBulk.Export;
using FhirBulk.IntegrationTests.Support;
using FhirBulk.Server;

namespace FhirBulk.IntegrationTests.Export;

/// <summary>Every fault the server can inject: the export still ends with files byte-identical to a fault-free run.</summary>
public class FaultTests(BaselineFixture baseline) : IClassFixture<BaselineFixture>
{
    /// <summary>Every fault, both with plain transfers (what a client asks of a server on this machine) and gzipped ones (what it asks of any other).</summary>
    public static TheoryData<string, TransferCompression> Faults
    {
        get
        {
            var data = new TheoryData<string, TransferCompression>();
            foreach (var fault in Cases.Keys)
            {
                data.Add(fault, TransferCompression.Auto);
                data.Add(fault, TransferCompression.Gzip);
            }

            return data;
        }
    }

    private static readonly Dictionary<string, FaultOptions> Cases = new(StringComparer.Ordinal)
    {
        ["transient 503 on kick-off, status and files"] = new() { Seed = 1, KickoffErrorRate = 0.5, StatusErrorRate = 0.5, FileErrorRate = 0.4, ExportDurationSeconds = 0.2 },
        ["429 with Retry-After in seconds"] = new() { Seed = 2, StatusTooManyRequestsRate = 0.6, RetryAfterStyle = RetryAfterStyle.Seconds, ExportDurationSeconds = 0.2 },
        ["429 with Retry-After as an HTTP-date"] = new() { Seed = 3, StatusTooManyRequestsRate = 0.6, RetryAfterStyle = RetryAfterStyle.HttpDate, ExportDurationSeconds = 0.2 },
        ["429 with an absurd Retry-After"] = new() { Seed = 4, StatusTooManyRequestsRate = 0.6, RetryAfterStyle = RetryAfterStyle.Absurd, ExportDurationSeconds = 0.2 },
        ["transient OperationOutcome on status"] = new() { Seed = 5, StatusTransientOutcomeRate = 0.6, ExportDurationSeconds = 0.2 },
        ["cut connections resumed with Range"] = new() { Seed = 6, CutFileRate = 0.7, CutFileAfterBytes = 3000 },
        ["expired files re-exported"] = new() { Seed = 7, ExpiredFileRate = 0.2 },
        ["cross-origin redirects"] = new() { Seed = 8, RedirectFileRate = 0.6 },
        ["short token lifetime mid-export"] = new() { Seed = 9, AccessTokenLifetimeSeconds = 1, ExportDurationSeconds = 1.5, TrickleBytesPerSecond = 400_000 },
        ["everything at once"] = new()
        {
            Seed = 10, KickoffErrorRate = 0.3, StatusErrorRate = 0.3, FileErrorRate = 0.2, StatusTooManyRequestsRate = 0.3,
            StatusTransientOutcomeRate = 0.2, CutFileRate = 0.3, CutFileAfterBytes = 2000, RedirectFileRate = 0.3, ExportDurationSeconds = 0.3,
        },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task ExportToDirectory_Fault_FilesByteIdenticalToFaultFreeRun(string fault, TransferCompression compression)
    {
        var harness = baseline.Harness;
        using var client = harness.CreateClient(harness.Server.BaseUriWithFaults(Cases[fault]), o => o.TransferCompression = compression);
        var directory = harness.NewDirectory();
        var leaksBefore = harness.Server.LeakedTokenCount;

        var result = await client.ExportToDirectoryAsync(new ExportRequest(), directory);

        Assert.Equal(baseline.Files, ServerHarness.DataFiles(directory));
        Assert.Equal(ExportOutcome.Success, result.Outcome);
        Assert.Equal(leaksBefore, harness.Server.LeakedTokenCount);
        Assert.False(Directory.EnumerateFiles(directory, "*.part", SearchOption.AllDirectories).Any());
    }

    [Fact]
    public async Task ExportToDirectory_CutConnections_ContinuesWithRangeRequests()
    {
        var harness = baseline.Harness;
        using var client = harness.CreateClient(harness.Server.BaseUriWithFaults(new FaultOptions { Seed = 12, CutFileRate = 0.5, CutFileAfterBytes = 20_000 }));
        var directory = harness.NewDirectory();

        await client.ExportToDirectoryAsync(new ExportRequest(), directory);

        Assert.Equal(baseline.Files, ServerHarness.DataFiles(directory));
        Assert.Contains(harness.Requests, r => r.Range is not null && r.Url.AbsolutePath.Contains("bulkfiles", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ExportToDirectory_FailedFiles_PartialSuccessWithErrorFilesAndOnlyGoodData()
    {
        var harness = baseline.Harness;
        using var client = harness.CreateClient(harness.Server.BaseUriWithFaults(new FaultOptions { Seed = 13, FailedFileRate = 0.4 }));
        var directory = harness.NewDirectory();

        var result = await client.ExportToDirectoryAsync(new ExportRequest(), directory);

        Assert.Equal(ExportOutcome.PartialSuccess, result.Outcome);
        Assert.NotEmpty(result.Manifest.Error);
        var files = ServerHarness.DataFiles(directory);
        Assert.Contains(files.Keys, name => name.StartsWith("error/OperationOutcome.", StringComparison.Ordinal));
        var data = files.Where(f => !f.Key.StartsWith("error/", StringComparison.Ordinal)).Select(f => f.Value).ToList();
        Assert.NotEmpty(data);
        Assert.All(data, hash => Assert.Contains(hash, baseline.Files.Values));
        Assert.True(data.Count < baseline.Files.Count);
    }

    [Fact]
    public async Task ExportToDirectory_FileAlwaysAnswers503_EachFileRequestedOnlyMaxRetriesPlusOneTimes()
    {
        var harness = baseline.Harness;
        using var client = harness.CreateClient(harness.Server.BaseUriWithFaults(new FaultOptions { FileErrorRate = 1, RetryAfterSeconds = 0 }), o => o.MaxRetries = 2);
        var directory = harness.NewDirectory();
        var before = harness.Requests.Count;

        await Assert.ThrowsAsync<FhirBulkException>(() => client.ExportToDirectoryAsync(new ExportRequest { Types = ["Patient"] }, directory));

        // One budget per request: a request out of retries is not retried again by the file transfer around it.
        var perFile = harness.Requests.Skip(before).Where(r => r.Url.AbsolutePath.Contains("bulkfiles", StringComparison.Ordinal) && r.Url.AbsolutePath.Contains("Patient", StringComparison.Ordinal))
            .GroupBy(r => r.Url.AbsolutePath).Select(g => g.Count()).ToList();
        Assert.NotEmpty(perFile);
        Assert.All(perFile, count => Assert.Equal(3, count));
    }
}
