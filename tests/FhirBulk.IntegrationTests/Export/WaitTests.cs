using System.Diagnostics;
using FhirBulk.Export;
using FhirBulk.IntegrationTests.Support;
using FhirBulk.Server;

namespace FhirBulk.IntegrationTests.Export;

/// <summary>Every wait explained, every wait bounded (issue #10 item 3), against the embedded server.</summary>
public class WaitTests
{
    [Fact]
    public async Task ExportToDirectory_StatusAnswers429SeventyPercentWithRetryAfter3_CompletesAndReportsEveryWait()
    {
        await using var harness = await ServerHarness.StartAsync();
        var waits = new List<ServerWait>();
        using var client = harness.CreateClient(
            harness.Server.BaseUriWithFaults(new FaultOptions { Seed = 2, StatusTooManyRequestsRate = 0.7, RetryAfterSeconds = 3, ExportDurationSeconds = 0.2 }),
            o =>
            {
                // A fixed count of 1 retry would abort at the second 429 in a row; the wait budget must carry the export.
                o.MaxRetries = 1;
                o.MaxRetryDelay = TimeSpan.FromSeconds(5);
                o.OnWait = w =>
                {
                    lock (waits)
                    {
                        waits.Add(w);
                    }
                };
            });

        var result = await client.ExportToDirectoryAsync(new ExportRequest(), harness.NewDirectory());

        Assert.Equal(ExportOutcome.Success, result.Outcome);
        var asked = waits.Where(w => w.StatusCode == System.Net.HttpStatusCode.TooManyRequests).ToList();
        Assert.True(asked.Count >= 2, $"only {asked.Count} 429 waits: the seed no longer makes two in a row ({string.Join(" | ", waits.Select(w => w.Describe()))})");
        Assert.All(asked, w => Assert.Equal(("status poll", TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(3)), (w.Request, w.Delay, w.RequestedDelay)));
    }

    [Fact]
    public async Task ExportToDirectory_ServerStoppedMidDownload_EndsWithinTheStallTimeoutNamingWhatCompletedAndResumes()
    {
        var port = 0;
        var harness = await ServerHarness.StartAsync(o => o.Patients = 40);
        var directory = Path.Combine(Path.GetTempPath(), "fhirbulk-it-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            port = harness.Server.BaseUri.Port;
            var baseUri = harness.Server.BaseUriWithFaults(new FaultOptions { TrickleBytesPerSecond = 200_000 });
            var downloading = new TaskCompletionSource();
            using var client = harness.CreateClient(baseUri, o =>
            {
                o.StallTimeout = TimeSpan.FromSeconds(3);
                o.MaxParallelDownloads = 2;
            });

            var export = client.ExportToDirectoryAsync(new ExportRequest(), directory, new Progress(p =>
            {
                if (p.Phase == ExportPhase.Downloading && p.FilesDone >= 1)
                {
                    downloading.TrySetResult();
                }
            }));
            await downloading.Task.WaitAsync(TimeSpan.FromMinutes(1));
            var stopped = Stopwatch.StartNew();
            var stopping = harness.Server.DisposeAsync().AsTask();

            var error = await Assert.ThrowsAsync<FhirBulkException>(() => export.WaitAsync(TimeSpan.FromMinutes(2)));

            Assert.True(stopped.Elapsed < TimeSpan.FromSeconds(30), $"took {stopped.Elapsed} after the server stopped");
            Assert.Matches(@"\d+ (is|are) complete \(", error.Message);
            Assert.Contains("resume with the same folder", error.Message, StringComparison.Ordinal);
            await stopping;
        }
        finally
        {
            await harness.DisposeAsync();
        }

        // The same port again, so the folder's recorded server is this one.
        await using var restarted = await ServerHarness.StartAsync(o =>
        {
            o.Patients = 40;
            o.Port = port;
        });
        using var resumer = restarted.CreateClient(restarted.Server.BaseUriWithFaults(new FaultOptions { TrickleBytesPerSecond = 200_000 }));
        var resumed = await resumer.ResumeExportAsync(directory);
        Assert.Equal(ExportOutcome.Success, resumed.Outcome);
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task ExportToDirectory_StatusAlways429WithRetryAfter1000AndMaxPollWait3s_GivesUpAfterTheBudgetNotAfter120s()
    {
        await using var harness = await ServerHarness.StartAsync();
        var waits = new List<ServerWait>();
        using var client = harness.CreateClient(
            harness.Server.BaseUriWithFaults(new FaultOptions { StatusTooManyRequestsRate = 1, RetryAfterSeconds = 1000 }),
            o =>
            {
                // The default cap on one wait (the harness's is short); the budget is what must cut the server's 1000 s.
                o.MaxRetryDelay = BulkDataDefaults.MaxRetryDelay;
                o.MaxPollWait = TimeSpan.FromSeconds(3);
                o.OnWait = w =>
                {
                    lock (waits)
                    {
                        waits.Add(w);
                    }
                };
            });
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<WaitBudgetExceededException>(() => client.ExportToDirectoryAsync(new ExportRequest(), harness.NewDirectory()));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        var wait = Assert.Single(waits);
        Assert.True(wait.Delay <= TimeSpan.FromSeconds(3) && wait.EndsBudget == TimeSpan.FromSeconds(3), wait.Describe());
        Assert.Equal(TimeSpan.FromSeconds(3), error.Budget);
        Assert.True(error.IsTransient);
    }

    [Fact]
    public async Task DiscoveryAndGroupSearch_ServerUnreachable_EachRetryNamesItsRequestInWords()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var waits = new List<ServerWait>();
        using var client = new BulkDataClient(new Uri($"http://127.0.0.1:{port}/fhir/"), new BulkDataClientOptions
        {
            MaxRetries = 1,
            InitialRetryDelay = TimeSpan.FromMilliseconds(10),
            MaxRetryDelay = TimeSpan.FromMilliseconds(20),
            OnWait = w =>
            {
                lock (waits)
                {
                    waits.Add(w);
                }
            },
        });

        await Assert.ThrowsAsync<FhirBulkException>(() => client.GetCapabilityStatementAsync());
        await Assert.ThrowsAsync<FhirBulkException>(async () => await client.ListGroupsAsync().ToListAsync());
        await Assert.ThrowsAsync<FhirBulkException>(() => client.ReadResourceAsync("Patient", "p1"));

        Assert.Equal(["capability statement", "group search", "read of Patient/p1"], waits.Select(w => w.Request).Distinct().Take(3).ToArray());
    }

    [Fact]
    public async Task ServerStop_DuringATrickledDownload_EndsWithinAFewSeconds()
    {
        var harness = await ServerHarness.StartAsync(o => o.Patients = 40);
        try
        {
            using var client = harness.CreateClient(harness.Server.BaseUriWithFaults(new FaultOptions { TrickleBytesPerSecond = 500 }), o => o.StallTimeout = TimeSpan.FromSeconds(3));
            var downloading = new TaskCompletionSource();
            var export = client.ExportToDirectoryAsync(new ExportRequest(), harness.NewDirectory(), new Progress(p =>
            {
                if (p.Phase == ExportPhase.Downloading && p.File is { BytesDownloaded: > 0 })
                {
                    downloading.TrySetResult();
                }
            }));
            await downloading.Task.WaitAsync(TimeSpan.FromMinutes(1));
            var clock = Stopwatch.StartNew();

            await harness.Server.StopAsync();

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(6), $"the stop took {clock.Elapsed}: a trickled response kept the server alive");
            await Assert.ThrowsAnyAsync<FhirBulkException>(() => export.WaitAsync(TimeSpan.FromMinutes(3)));
        }
        finally
        {
            await harness.DisposeAsync();
        }
    }

    private sealed class Progress(Action<ExportProgress> report) : IProgress<ExportProgress>
    {
        public void Report(ExportProgress value) => report(value);
    }
}
