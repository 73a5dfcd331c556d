using System.Diagnostics;
using System.Net;
using FhirBulk.Server.Auth;
using FhirBulk.Server.Export;

namespace FhirBulk.Server.Tests.Export;

/// <summary>A status poll of a job still at work is held, up to the Retry-After the server would send, for it to finish.</summary>
public sealed class StatusHoldTests
{
    [Fact]
    public async Task Status_JobFinishingWithinTheRetryAfter_FirstPollAnsweredWithTheManifest()
    {
        await using var server = await BulkDataServer.StartAsync(new BulkDataServerOptions { Patients = 1, RequireAuth = false });
        var job = Stage(server, finishAfter: TimeSpan.FromMilliseconds(300));
        using var http = new HttpClient();

        using var response = await http.GetAsync(job.StatusUrl);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"transactionTime\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_JobStillRunningAfterTheRetryAfter_202AfterAtMostAboutThatLong()
    {
        await using var server = await BulkDataServer.StartAsync(new BulkDataServerOptions { Patients = 1, RequireAuth = false });
        var job = Stage(server, finishAfter: null);
        using var http = new HttpClient();
        var watch = Stopwatch.StartNew();

        using var response = await http.GetAsync(job.StatusUrl);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
    }

    /// <summary>A running job of the anonymous caller, done (no files) after <paramref name="finishAfter"/>, or never (until the server stops it).</summary>
    private static ExportJob Stage(BulkDataServer server, TimeSpan? finishAfter)
    {
        var state = server.State;
        var now = state.Clock.GetUtcNow();
        var id = "held-" + Guid.NewGuid().ToString("N");
        var job = new ExportJob
        {
            Id = id,
            Ordinal = 1,
            ClientId = Caller.Anonymous.ClientId,
            Request = new ExportRequest { Level = ExportLevel.System },
            Types = [],
            RequestUrl = server.BaseUri + "/$export",
            BaseUrl = server.BaseUri.AbsoluteUri.TrimEnd('/'),
            Faults = new FaultOptions(),
            Directory = Path.Combine(state.JobsDirectory, id),
            TransactionTime = now,
            StartedAt = now,
            RequiresAccessToken = false,
        };
        job.Work = finishAfter is { } delay
            ? Task.Run(async () =>
            {
                await Task.Delay(delay);
                job.CompletedAt = state.Clock.GetUtcNow();
                job.State = JobState.Completed;
            })
            : Task.Delay(Timeout.Infinite, job.Cancellation.Token);
        Assert.True(state.Jobs.TryAdmit(job, limit: 1, now));
        return job;
    }
}
