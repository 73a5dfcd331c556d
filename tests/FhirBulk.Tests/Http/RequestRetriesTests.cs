using System.Net;
using CsCheck;
using FhirBulk.Export;
using FhirBulk.Http;
using FhirBulk.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace FhirBulk.Tests.Http;

/// <summary>The request retry pipeline on its own, on a fake clock: which answers are retried, how long it waits, what it releases.</summary>
public class RequestRetriesTests
{
    private static readonly Uri Url = new("https://x.org/fhir/Patient/$export");
    private static readonly string[] IssueCodes = ["transient", "throttled", "timeout", "exception", "invalid", "not-found", "processing", "security"];

    private readonly WaitingClock _time = new(new DateTimeOffset(2026, 11, 28, 17, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task ExecuteRequest_503WithRetryAfterSeconds_WaitsThatLongOnTheClientsClock()
    {
        var arrivals = new List<DateTimeOffset>();
        var pipeline = CreateSut(maxRetries: 3);

        var run = pipeline.ExecuteRequestAsync(Url, Respond(arrivals, n => n == 1 ? WithRetryAfter(new(HttpStatusCode.ServiceUnavailable), "7") : new(HttpStatusCode.OK)), CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(6.9));
        await Task.Yield();
        Assert.Single(arrivals);
        _time.Advance(TimeSpan.FromSeconds(0.1));
        using var attempt = await run;

        Assert.Equal(HttpStatusCode.OK, attempt.Response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), arrivals[1] - arrivals[0]);
    }

    [Fact]
    public async Task ExecuteRequest_429WithFarHttpDate_WaitsNoLongerThanMaxRetryDelay()
    {
        var arrivals = new List<DateTimeOffset>();
        var pipeline = CreateSut(maxRetries: 1);
        var date = _time.GetUtcNow().AddDays(3).ToString("r", System.Globalization.CultureInfo.InvariantCulture);

        var run = pipeline.ExecuteRequestAsync(Url, Respond(arrivals, n => n == 1 ? WithRetryAfter(new(HttpStatusCode.TooManyRequests), date) : new(HttpStatusCode.OK)), CancellationToken.None);
        _time.Advance(BulkDataDefaults.MaxRetryDelay);
        using var attempt = await run;

        Assert.Equal(BulkDataDefaults.MaxRetryDelay, arrivals[1] - arrivals[0]);
    }

    [Fact]
    public async Task ExecuteRequest_Persistent503_StopsAfterMaxRetriesWithTheLastAnswer()
    {
        var arrivals = new List<DateTimeOffset>();
        var pipeline = CreateSut(maxRetries: 2, delay: TimeSpan.Zero);

        using var attempt = await pipeline.ExecuteRequestAsync(Url, Respond(arrivals, _ => new(HttpStatusCode.ServiceUnavailable)), CancellationToken.None);

        Assert.Equal(3, arrivals.Count);
        Assert.True(attempt.IsTransient);
    }

    [Fact]
    public async Task ExecuteRequest_400WithOutcome_IsNotRetried()
    {
        var arrivals = new List<DateTimeOffset>();
        var pipeline = CreateSut(maxRetries: 3);

        using var attempt = await pipeline.ExecuteRequestAsync(Url, Respond(arrivals, _ => StubHandler.Json(HttpStatusCode.BadRequest, StubHandler.Outcome("invalid", "bad _since"))), CancellationToken.None);

        Assert.Single(arrivals);
        Assert.Equal("invalid", attempt.Outcome!.Value.GetProperty("issue")[0].GetProperty("code").GetString());
    }

    [Fact]
    public async Task ExecuteRequest_CallerCancels_IsNotRetried()
    {
        using var cancellation = new CancellationTokenSource();
        var attempts = 0;
        var pipeline = CreateSut(maxRetries: 3, delay: TimeSpan.Zero);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pipeline.ExecuteRequestAsync(
            Url,
            token =>
            {
                attempts++;
                cancellation.Cancel();
                token.ThrowIfCancellationRequested();
                throw new InvalidOperationException("unreachable");
            },
            cancellation.Token));

        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task ExecuteRequest_TimeoutNotFromCaller_IsRetried()
    {
        var attempts = 0;
        var pipeline = CreateSut(maxRetries: 3, delay: TimeSpan.Zero);

        using var attempt = await pipeline.ExecuteRequestAsync(
            Url,
            async token => ++attempts == 1 ? throw new TaskCanceledException("headers timed out") : await HttpAttempt.ReadAsync(new(HttpStatusCode.OK), Url, token),
            CancellationToken.None);

        Assert.Equal(2, attempts);
    }

    [Fact]
    public async Task ExecuteRequest_RetriedAttempts_ReleaseTheirResponses()
    {
        var contents = new List<TrackedContent>();
        var pipeline = CreateSut(maxRetries: 3, delay: TimeSpan.Zero);

        using var attempt = await pipeline.ExecuteRequestAsync(
            Url,
            token =>
            {
                var content = new TrackedContent();
                contents.Add(content);
                return HttpAttempt.ReadAsync(new(contents.Count < 3 ? HttpStatusCode.BadGateway : HttpStatusCode.OK) { Content = content }, Url, token);
            },
            CancellationToken.None);

        Assert.Equal([true, true, false], contents.Select(c => c.Disposed));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    [InlineData(0.999)]
    public async Task ExecuteRequest_NoRetryAfter_BacksOffOnTheClientsRandomWithinMaxRetryDelay(double jitter)
    {
        var arrivals = new List<DateTimeOffset>();
        var pipeline = RequestRetries.Create(
            new BulkDataClientOptions { TimeProvider = _time, MaxRetries = 6, InitialRetryDelay = TimeSpan.FromSeconds(1), MaxRetryDelay = TimeSpan.FromSeconds(5), Random = () => jitter },
            NullLogger.Instance);

        var run = pipeline.ExecuteRequestAsync(Url, Respond(arrivals, _ => new(HttpStatusCode.InternalServerError)), CancellationToken.None);
        // The clock moves only while the retries wait on it: a gap must not grow by the time a busy thread pool took to
        // run the next attempt.
        await _time.RunUntilDoneAsync(run, TimeSpan.FromMilliseconds(10));

        using var attempt = await run;
        var gaps = arrivals.Zip(arrivals.Skip(1), (a, b) => b - a).ToList();
        Assert.Equal(6, gaps.Count);
        Assert.All(gaps, gap => Assert.InRange(gap, TimeSpan.Zero, TimeSpan.FromSeconds(5.01)));
        Assert.True(gaps[^1] > gaps[0], $"no backoff: {string.Join(", ", gaps)}");
    }

    [Fact]
    public void Create_DelaysLongerThanPollyAccepts_StillBuilds()
    {
        var options = new BulkDataClientOptions { InitialRetryDelay = TimeSpan.FromDays(2), MaxRetryDelay = TimeSpan.FromDays(3) };

        Assert.NotNull(RequestRetries.Create(options, NullLogger.Instance));
    }

    [Fact]
    public void ExecuteRequest_AnyErrorStatusAndOutcome_RetriesExactlyWhatTheServerAllows() =>
        Gen.Select(Gen.Int[400, 599], Gen.OneOf(IssueCodes).Array[0, 3], Gen.Bool).Sample(
            (status, codes, withOutcome) =>
            {
                var body = withOutcome ? Outcome(codes) : "{}";
                var arrivals = new List<DateTimeOffset>();
                using var attempt = CreateSut(maxRetries: 2, delay: TimeSpan.Zero)
                    .ExecuteRequestAsync(Url, Respond(arrivals, _ => StubHandler.Json((HttpStatusCode)status, body)), CancellationToken.None)
                    .GetAwaiter().GetResult();
                var retried = arrivals.Count > 1;
                var transientOutcome = withOutcome && codes.Length > 0 && codes.All(c => c is "transient" or "throttled" or "timeout" or "exception");

                // Azure core's rule: a 4xx is retried only when the server asked for it (429 or a transient OperationOutcome).
                // 416 is never an error here: it answers a Range request, and the downloader decides what it means.
                var mustRetry = status != 416 && (status is 429 or 502 or 503 or 504 || transientOutcome || (status >= 500 && !withOutcome));
                var mayRetry = status != 416 && (status == 429 || status >= 500 || transientOutcome);
                return (retried || !mustRetry) && (!retried || mayRetry) && arrivals.Count <= 3;
            },
            iter: 300);

    private static string Outcome(string[] codes) =>
        $$"""{"resourceType":"OperationOutcome","issue":[{{string.Join(",", codes.Select(c => $$"""{"severity":"error","code":"{{c}}"}"""))}}]}""";

    private static HttpResponseMessage WithRetryAfter(HttpResponseMessage response, string value)
    {
        response.Headers.TryAddWithoutValidation("Retry-After", value);
        return response;
    }

    private Func<CancellationToken, Task<HttpAttempt>> Respond(List<DateTimeOffset> arrivals, Func<int, HttpResponseMessage> respond) => token =>
    {
        arrivals.Add(_time.GetUtcNow());
        return HttpAttempt.ReadAsync(respond(arrivals.Count), Url, token);
    };

    private Polly.ResiliencePipeline<HttpAttempt> CreateSut(int maxRetries, TimeSpan? delay = null) => RequestRetries.Create(
        new BulkDataClientOptions
        {
            TimeProvider = _time,
            MaxRetries = maxRetries,
            InitialRetryDelay = delay ?? BulkDataDefaults.InitialRetryDelay,
            MaxRetryDelay = delay ?? BulkDataDefaults.MaxRetryDelay,
        },
        NullLogger.Instance);

    private sealed class TrackedContent : HttpContent
    {
        public bool Disposed { get; private set; }

        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) => Task.CompletedTask;

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return true;
        }

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }
}
