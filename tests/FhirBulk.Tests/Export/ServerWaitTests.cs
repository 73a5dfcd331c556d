using System.Net;
using FhirBulk.Export;
using FhirBulk.Tests.Support;

namespace FhirBulk.Tests.Export;

/// <summary>Every wait explained, every wait bounded (issue #10 item 3), on a fake clock: nothing here sleeps.</summary>
public class ServerWaitTests
{
    private const string Manifest = """{"transactionTime":"2026-01-01T00:00:00Z","request":"r","requiresAccessToken":false,"output":[{"type":"Patient","url":"https://x.org/f/1"}],"error":[]}""";
    private static readonly Uri Base = new("https://x.org/fhir");
    private static readonly Uri Status = new("https://x.org/status/1");

    private readonly WaitingClock _time = new(new DateTimeOffset(2026, 11, 28, 17, 0, 0, TimeSpan.Zero));
    private readonly List<ServerWait> _waits = [];

    [Fact]
    public async Task WaitForCompletion_Twenty429sInARow_KeepsWaitingWithinMaxPollWaitThenCompletes()
    {
        var handler = new StubHandler((_, n) => n <= 20 ? TooManyRequests("3") : StubHandler.Json(HttpStatusCode.OK, Manifest));
        using var client = CreateSut(handler, maxRetries: 6);

        var manifest = await RunOnClock(client.GetExportOperation(Status).WaitForCompletionAsync());

        Assert.Equal("Patient", Assert.Single(manifest.Output).Type);
        Assert.Equal(21, handler.Requests.Count);
        Assert.All(_waits, w => Assert.Equal(("status poll", TimeSpan.FromSeconds(3), true), (w.Request, w.Delay, w.IsRetry)));
    }

    [Fact]
    public async Task WaitForCompletion_429sLongerThanMaxPollWait_GivesUpWithThe429()
    {
        var handler = new StubHandler((_, _) => TooManyRequests("60"));
        using var client = CreateSut(handler, maxRetries: 100, configure: o => o.MaxPollWait = TimeSpan.FromMinutes(5));

        var error = await Assert.ThrowsAsync<WaitBudgetExceededException>(() => RunOnClock(client.GetExportOperation(Status).WaitForCompletionAsync()));

        Assert.Equal(HttpStatusCode.TooManyRequests, error.StatusCode);
        Assert.InRange(handler.Requests.Count, 5, 7);
    }

    [Fact]
    public async Task WaitForCompletion_RetryAfterLongerThanMaxPollWait_WaitsOnlyTheBudgetThenGivesUpNamingIt()
    {
        var handler = new StubHandler((_, _) => TooManyRequests("1000"));
        using var client = CreateSut(handler, maxRetries: 100, configure: o => o.MaxPollWait = TimeSpan.FromSeconds(30));

        var error = await Assert.ThrowsAsync<WaitBudgetExceededException>(() => RunOnClock(client.GetExportOperation(Status).WaitForCompletionAsync()));

        var wait = Assert.Single(_waits);
        Assert.Equal((TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30)), (wait.Delay, wait.EndsBudget));
        Assert.Equal(2, handler.Requests.Count);
        Assert.Equal("https://x.org/status/1 answered 429 Too Many Requests; gave up after 30 s of waiting (MaxPollWait is 30 s)", error.Message);
    }

    [Fact]
    public async Task StartExport_KickoffRetryAfterLongerThanMaxPollWait_WaitsNoLongerThanMaxPollWait()
    {
        var handler = new StubHandler((_, n) => n == 1 ? TooManyRequests("1000") : StubHandler.KickoffAccepted());
        using var client = CreateSut(handler, maxRetries: 3, configure: o => o.MaxPollWait = TimeSpan.FromSeconds(30));

        await RunOnClock(client.StartExportAsync(new ExportRequest()));

        var wait = Assert.Single(_waits);
        Assert.Equal((TimeSpan.FromSeconds(30), true), (wait.Delay, wait.Capped));
    }

    [Theory]
    [InlineData("{}")]
    [InlineData(" [] ")]
    [InlineData("")]
    public async Task StartExport_ErrorWithABodyThatSaysNothing_MessageEndsAtTheStatus(string body)
    {
        var handler = new StubHandler((_, _) => StubHandler.Json(HttpStatusCode.BadRequest, body));
        using var client = CreateSut(handler, maxRetries: 0);

        var error = await Assert.ThrowsAsync<FhirBulkException>(() => RunOnClock(client.StartExportAsync(new ExportRequest())));

        Assert.EndsWith("answered 400 Bad Request", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WaitForCompletion_TransientOutcomeOn500_IsHonouredLikeA429()
    {
        var handler = new StubHandler((_, n) => n <= 10 ? StubHandler.Json(HttpStatusCode.InternalServerError, StubHandler.Outcome("transient", "busy")) : StubHandler.Json(HttpStatusCode.OK, Manifest));
        using var client = CreateSut(handler, maxRetries: 2);

        await RunOnClock(client.GetExportOperation(Status).WaitForCompletionAsync());

        Assert.Equal(11, handler.Requests.Count);
        Assert.Contains("transient: busy", _waits[0].Answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartExport_Persistent429OnKickoff_StillCountsAsRetries()
    {
        var handler = new StubHandler((_, _) => TooManyRequests("1"));
        using var client = CreateSut(handler, maxRetries: 2);

        await Assert.ThrowsAsync<FhirBulkException>(() => RunOnClock(client.StartExportAsync(new ExportRequest())));

        Assert.Equal(3, handler.Requests.Count);
    }

    [Fact]
    public async Task StatusPoll_AbsurdRetryAfter_IsCappedAndTheNoticeSaysSo()
    {
        var handler = new StubHandler((_, n) => n == 1 ? TooManyRequests("3153600000") : StubHandler.Json(HttpStatusCode.OK, Manifest));
        using var client = CreateSut(handler, maxRetries: 3);

        await RunOnClock(client.GetExportOperation(Status).WaitForCompletionAsync());

        var wait = Assert.Single(_waits);
        Assert.Equal(BulkDataDefaults.MaxRetryDelay, wait.Delay);
        Assert.True(wait.Capped);
        Assert.Equal(
            "status poll (https://x.org/status/1) answered 429 Too Many Requests; waiting 120 s although the server asked for 36,500 days (Retry-After): waits are capped at 120 s",
            wait.Describe());
    }

    [Fact]
    public async Task WaitForCompletion_InProgressWithRetryAfter_ReportsThePauseBetweenPolls()
    {
        var handler = new StubHandler((_, n) =>
        {
            if (n > 1)
            {
                return StubHandler.Json(HttpStatusCode.OK, Manifest);
            }

            var pending = new HttpResponseMessage(HttpStatusCode.Accepted);
            pending.Headers.TryAddWithoutValidation("Retry-After", "30");
            pending.Headers.Add("X-Progress", "50%");
            return pending;
        });
        using var client = CreateSut(handler, maxRetries: 3);

        await RunOnClock(client.GetExportOperation(Status).WaitForCompletionAsync());

        var wait = Assert.Single(_waits);
        Assert.False(wait.IsRetry);
        Assert.Equal("status poll (https://x.org/status/1) answered 202 Accepted (in progress: 50%); waiting 30 s as the server asked (Retry-After)", wait.Describe());
    }

    [Fact]
    public async Task StatusPoll_ServerStopsAnswering_GivesUpAtTheStallTimeoutNotAfterEveryRetry()
    {
        var handler = new StubHandler((_, _) => throw new HttpRequestException("Connection refused"));
        using var client = CreateSut(handler, maxRetries: 1000, configure: o => o.StallTimeout = TimeSpan.FromSeconds(30));
        var started = _time.GetUtcNow();

        var error = await Assert.ThrowsAsync<FhirBulkException>(() => RunOnClock(client.GetExportOperation(Status).UpdateStatusAsync()));

        Assert.InRange(_time.GetUtcNow() - started, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(31));
        Assert.True(error.IsTransient);
        Assert.Contains("has not answered for 30 s (the stall timeout is 30 s): Connection refused", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StatusPoll_UnreachableWithoutRetries_SaysOneAttemptInTheSingular()
    {
        var handler = new StubHandler((_, _) => throw new HttpRequestException("Connection refused"));
        using var client = CreateSut(handler, maxRetries: 0);

        var error = await Assert.ThrowsAsync<FhirBulkException>(() => RunOnClock(client.GetExportOperation(Status).UpdateStatusAsync()));

        Assert.Equal("https://x.org/status/1 could not be reached after 1 attempt: Connection refused", error.Message);
    }

    [Fact]
    public async Task StatusPoll_ServerAnswersAgainBeforeTheStallTimeout_CarriesOn()
    {
        var handler = new StubHandler((_, n) => n < 4 ? throw new HttpRequestException("Connection refused") : StubHandler.Json(HttpStatusCode.OK, Manifest));
        using var client = CreateSut(handler, maxRetries: 1000, configure: o => o.StallTimeout = TimeSpan.FromMinutes(2));

        var status = await RunOnClock(client.GetExportOperation(Status).UpdateStatusAsync());

        Assert.True(status.IsComplete);
        Assert.Equal(3, _waits.Count(w => w.StatusCode is null && w.Answer == "Connection refused"));
    }

    [Fact]
    public async Task StatusPoll_ClientBusyBetweenWaits_OnlyItsWaitsCountTowardsTheStallTimeout()
    {
        // Each answer takes real time, as any step can on a busy thread pool, and the client goes on on another thread: the
        // test's clock must stand still meanwhile, or the stall timeout would fire for time the client never spent waiting.
        var handler = new SlowHandler(new StubHandler((_, n) => n < 4 ? throw new HttpRequestException("Connection refused") : StubHandler.Json(HttpStatusCode.OK, Manifest)));
        using var client = CreateSut(handler, maxRetries: 1000, configure: o => o.StallTimeout = TimeSpan.FromMinutes(2));

        var status = await RunOnClock(client.GetExportOperation(Status).UpdateStatusAsync());

        Assert.True(status.IsComplete);
        Assert.Equal(3, _waits.Count(w => w.StatusCode is null && w.Answer == "Connection refused"));
    }

    private static HttpResponseMessage TooManyRequests(string retryAfter)
    {
        var response = StubHandler.Json(HttpStatusCode.TooManyRequests, "{}");
        response.Headers.TryAddWithoutValidation("Retry-After", retryAfter);
        return response;
    }

    private BulkDataClient CreateSut(HttpMessageHandler handler, int maxRetries, Action<BulkDataClientOptions>? configure = null)
    {
        var options = new BulkDataClientOptions
        {
            HttpClient = new HttpClient(handler),
            TimeProvider = _time,
            MaxRetries = maxRetries,
            OnWait = w =>
            {
                lock (_waits)
                {
                    _waits.Add(w);
                }
            },
        };
        configure?.Invoke(options);
        return new BulkDataClient(Base, options);
    }

    [Fact]
    public void Describe_DownloadOfASignedUrl_NamesTheUrlWithoutItsSignature()
    {
        var wait = new ServerWait("download of Patient.000.ndjson", new Uri("https://b.s3.amazonaws.com/Patient.ndjson?X-Amz-Signature=SECRET"),
            HttpStatusCode.ServiceUnavailable, "503 Service Unavailable", TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(8), IsRetry: true);

        Assert.Equal(
            "download of Patient.000.ndjson (https://b.s3.amazonaws.com/Patient.ndjson?X-Amz-Signature=…) answered 503 Service Unavailable; waiting 8 s as the server asked (Retry-After)",
            wait.Describe());
    }

    private Task<T> RunOnClock<T>(Task<T> task) => _time.RunUntilDoneAsync(task, TimeSpan.FromMilliseconds(250));

    // Answers after 30 ms of real time.
    private sealed class SlowHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            await Task.Delay(30, CancellationToken.None);
            return await base.SendAsync(request, cancellationToken);
        }
    }
}
