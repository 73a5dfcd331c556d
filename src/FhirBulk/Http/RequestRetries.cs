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

    // Polly refuses backoff settings over a day; our options allow longer (a Retry-After is still clamped to them).
    private static readonly TimeSpan LongestBackoff = TimeSpan.FromDays(1);

    public static ResiliencePipeline<HttpAttempt> Create(BulkDataClientOptions options, ILogger logger)
    {
        var builder = new ResiliencePipelineBuilder<HttpAttempt> { TimeProvider = options.TimeProvider };

        // Polly's retry strategy needs at least one retry; no retries is no strategy.
        if (options.MaxRetries == 0)
        {
            return builder.Build();
        }

        return builder.AddRetry(new RetryStrategyOptions<HttpAttempt>
        {
            MaxRetryAttempts = options.MaxRetries,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = options.InitialRetryDelay < LongestBackoff ? options.InitialRetryDelay : LongestBackoff,
            MaxDelay = options.MaxRetryDelay < LongestBackoff ? options.MaxRetryDelay : LongestBackoff,
            Randomizer = options.Random,
            ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome, args.Context.CancellationToken)),
            DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result is { } attempt
                ? RetryAfter.Parse(attempt.Response, options.TimeProvider.GetUtcNow(), TimeSpan.Zero, options.MaxRetryDelay)
                : null),
            OnRetry = args =>
            {
                var (url, reason) = args.Outcome.Result is { } attempt
                    ? (attempt.Url, $"{(int)attempt.Response.StatusCode} {attempt.Response.ReasonPhrase}")
                    : (args.Context.Properties.GetValue(RequestUrl, null!), args.Outcome.Exception!.Message);
                Log.RetryScheduled(logger, url, args.RetryDelay, args.AttemptNumber + 1, reason);
                return default;
            },
        }).Build();
    }

    /// <summary>Runs the attempts of a request to <paramref name="url"/>; the last attempt's response or exception comes out.</summary>
    public static async Task<HttpAttempt> ExecuteRequestAsync(this ResiliencePipeline<HttpAttempt> pipeline, Uri url, Func<CancellationToken, Task<HttpAttempt>> attempt, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(RequestUrl, url);
        try
        {
            return await pipeline.ExecuteAsync(async c => await attempt(c.CancellationToken).ConfigureAwait(false), context).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    // The retry decision, for a response or for the exception an attempt threw.
    private static bool ShouldRetry(Outcome<HttpAttempt> outcome, CancellationToken cancellationToken) =>
        outcome.Exception is { } exception
            ? BulkHttp.IsTransientNetworkFailure(exception, cancellationToken)
            : outcome.Result is { IsError: true, IsTransient: true };
}
