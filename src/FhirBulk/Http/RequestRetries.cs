using FhirBulk.Diagnostics;
using FhirBulk.Export;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace FhirBulk.Http;

/// <summary>
/// The retry pipeline of one request (Azure core's rules): 429, 5xx, a transient OperationOutcome and network failures
/// are retried with exponential backoff and jitter, or after the server's Retry-After (clamped); any other 4xx, and
/// the caller's cancellation, are not.
/// </summary>
internal static class RequestRetries
{
    // The first URL of the request, for the retry log of an attempt that got no response.
    private static readonly ResiliencePropertyKey<Uri> RequestUrl = new("FhirBulk.RequestUrl");

    // What the request asks, in words, for the wait notice ("status poll").
    private static readonly ResiliencePropertyKey<string> RequestName = new("FhirBulk.RequestName");

    // When the request started: the wait budget and the stall timeout both run from it.
    private static readonly ResiliencePropertyKey<DateTimeOffset> Started = new("FhirBulk.RequestStarted");

    // Where the stall timeout runs from: the request's start, or the start of the file transfer the request continues
    // (so that a retried transfer does not give a server that is gone a whole new stall timeout).
    private static readonly ResiliencePropertyKey<DateTimeOffset> StallFrom = new("FhirBulk.StallFrom");

    // How long answers that ask to wait (429, transient OperationOutcome) are honoured, for requests that have such a budget (status polls).
    private static readonly ResiliencePropertyKey<TimeSpan?> WaitBudget = new("FhirBulk.WaitBudget");

    // Set by the delay generator when it shortened a wait to what was left of the budget, for the wait notice.
    private static readonly ResiliencePropertyKey<TimeSpan?> ShortenedToBudget = new("FhirBulk.ShortenedToBudget");

    // Polly refuses backoff settings over a day; our options allow longer (a Retry-After is still clamped to them).
    private static readonly TimeSpan LongestBackoff = TimeSpan.FromDays(1);

    public static ResiliencePipeline<HttpAttempt> Create(BulkDataClientOptions options, ILogger logger, StallWatch? stall = null)
    {
        var time = options.TimeProvider;
        var backoff = new Backoff(options.InitialRetryDelay, options.MaxRetryDelay, options.Random);
        return new ResiliencePipelineBuilder<HttpAttempt> { TimeProvider = time }.AddRetry(new RetryStrategyOptions<HttpAttempt>
        {
            // The count is kept by ShouldRetry: answers that ask to wait are bounded by time, not by MaxRetries.
            MaxRetryAttempts = int.MaxValue,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = options.InitialRetryDelay < LongestBackoff ? options.InitialRetryDelay : LongestBackoff,
            MaxDelay = options.MaxRetryDelay < LongestBackoff ? options.MaxRetryDelay : LongestBackoff,
            Randomizer = options.Random,
            ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome, args.AttemptNumber, args.Context, options, stall)),
            DelayGenerator = args =>
            {
                if (args.Outcome.Result is { } attempt)
                {
                    var asked = RetryAfter.Parse(attempt.Response, time.GetUtcNow(), TimeSpan.Zero, options.LongestWait);
                    args.Context.Properties.Set(ShortenedToBudget, null);

                    // No wait outlasts the budget: one that would (or would end it) is cut to what is left, so the last try comes as the budget ends.
                    if (BudgetLeft(args.Context, attempt, options) is { } budgetLeft && (asked ?? backoff.Delay(args.AttemptNumber + 1)) >= budgetLeft)
                    {
                        args.Context.Properties.Set(ShortenedToBudget, args.Context.Properties.GetValue(WaitBudget, null));
                        return ValueTask.FromResult<TimeSpan?>(budgetLeft > TimeSpan.Zero ? budgetLeft : TimeSpan.Zero);
                    }

                    // The backoff, too, stays within the longest wait (Polly's own cap is MaxRetryDelay).
                    return ValueTask.FromResult(asked is null && options.LongestWait < options.MaxRetryDelay && backoff.Delay(args.AttemptNumber + 1) > options.LongestWait
                        ? options.LongestWait
                        : asked);
                }

                // No answer at all: never sleep past the stall timeout, so the last attempt is made before giving up.
                var remaining = stall?.Remaining(args.Context.Properties.GetValue(StallFrom, time.GetUtcNow()));
                return ValueTask.FromResult<TimeSpan?>(remaining is { } left && left < options.MaxRetryDelay
                    ? TimeSpan.FromTicks(Math.Max(0, Math.Min(backoff.Delay(args.AttemptNumber + 1).Ticks, left.Ticks)))
                    : null);
            },
            OnRetry = args =>
            {
                var url = args.Outcome.Result?.Url ?? args.Context.Properties.GetValue(RequestUrl, null!);
                var reason = args.Outcome.Result?.Answer ?? BulkHttp.WithoutUrl(args.Outcome.Exception!.Message, url);
                Log.RetryScheduled(logger, url, args.RetryDelay, args.AttemptNumber + 1, reason);
                if (options.OnWait is { } onWait)
                {
                    var response = args.Outcome.Result?.Response;
                    var requested = response is null ? null : RetryAfter.Parse(response, time.GetUtcNow(), TimeSpan.Zero, TimeSpan.MaxValue);
                    onWait(new ServerWait(args.Context.Properties.GetValue(RequestName, url.AbsolutePath), url, response?.StatusCode, reason, args.RetryDelay, requested, IsRetry: true)
                    {
                        EndsBudget = args.Outcome.Result is null ? null : args.Context.Properties.GetValue(ShortenedToBudget, null),
                    });
                }

                return default;
            },
        }).Build();
    }

    /// <summary>Runs the attempts of a request to <paramref name="url"/>; the last attempt's response or exception comes out.</summary>
    /// <param name="pipeline">The retry pipeline.</param>
    /// <param name="url">The first URL, for logs and messages.</param>
    /// <param name="attempt">Sends one attempt.</param>
    /// <param name="cancellationToken">Cancels attempts and waits.</param>
    /// <param name="name">What the request asks, in words, for wait notices; the URL's path when null.</param>
    /// <param name="waitBudget">How long answers asking to wait are honoured (instead of counting as retries); null: they count.</param>
    /// <param name="time">The clock the pipeline was made with (the budget and the stall timeout run from now on it).</param>
    /// <param name="stallFrom">When the stall timeout started to run, if before now (a retried file transfer); null: now.</param>
    public static async Task<HttpAttempt> ExecuteRequestAsync(this ResiliencePipeline<HttpAttempt> pipeline, Uri url, Func<CancellationToken, Task<HttpAttempt>> attempt, CancellationToken cancellationToken, string? name = null, TimeSpan? waitBudget = null, TimeProvider? time = null, DateTimeOffset? stallFrom = null)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        var now = (time ?? TimeProvider.System).GetUtcNow();
        context.Properties.Set(RequestUrl, url);
        context.Properties.Set(RequestName, name ?? url.AbsolutePath);
        context.Properties.Set(Started, now);
        context.Properties.Set(StallFrom, stallFrom ?? now);
        context.Properties.Set(WaitBudget, waitBudget);
        try
        {
            return await pipeline.ExecuteAsync(async c => await attempt(c.CancellationToken).ConfigureAwait(false), context).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>What is left of the request's wait budget, when it has one and the answer asks to wait; null otherwise.</summary>
    private static TimeSpan? BudgetLeft(ResilienceContext context, HttpAttempt attempt, BulkDataClientOptions options) =>
        context.Properties.GetValue(WaitBudget, null) is { } budget && attempt.AsksToWait
            ? budget - (options.TimeProvider.GetUtcNow() - context.Properties.GetValue(Started, options.TimeProvider.GetUtcNow()))
            : null;

    // The retry decision, for a response or for the exception an attempt threw.
    private static bool ShouldRetry(Outcome<HttpAttempt> outcome, int attemptNumber, ResilienceContext context, BulkDataClientOptions options, StallWatch? stall)
    {
        if (outcome.Exception is { } exception)
        {
            return BulkHttp.IsTransientNetworkFailure(exception, context.CancellationToken)
                && attemptNumber < options.MaxRetries
                && stall?.GiveUp(context.Properties.GetValue(StallFrom, options.TimeProvider.GetUtcNow())) != true;
        }

        if (outcome.Result is not { IsError: true, IsTransient: true } attempt)
        {
            return false;
        }

        // The server is asking for patience, not failing: honour it for as long as the budget allows. A wait already cut
        // to the end of the budget was the last one, even when the timer left a millisecond of it unspent.
        if (BudgetLeft(context, attempt, options) is { } left)
        {
            return left > TimeSpan.Zero && context.Properties.GetValue(ShortenedToBudget, null) is null;
        }

        return attemptNumber < options.MaxRetries;
    }
}
