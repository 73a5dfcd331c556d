using FhirBulk.Diagnostics;
using FhirBulk.Http;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace FhirBulk.Export;

/// <summary>
/// The retry pipeline around a whole file transfer: a body cut mid-stream is tried again, continuing from the bytes on
/// disk. A failure after the part file grew starts the budget and the backoff again, so a long file on a flaky link is
/// not failed for cuts it recovered from. A request that ran out of its own retries (a <see cref="FhirBulkException"/>
/// out of <see cref="BulkHttp"/>) is not tried again here: each request has one budget, <c>MaxRetries</c>, not that
/// budget once more for every retry of the transfer.
/// </summary>
internal static class DownloadRetries
{
    private static readonly ResiliencePropertyKey<FileAttempts> Attempts = new("FhirBulk.FileAttempts");

    public static ResiliencePipeline Create(BulkDataClientOptions options, ILogger logger, StallWatch? stall = null)
    {
        // Polly's own backoff counts every attempt of an execution and cannot start again when a file moves forward.
        var backoff = new Backoff(options.InitialRetryDelay, options.MaxRetryDelay, options.Random);
        return new ResiliencePipelineBuilder { TimeProvider = options.TimeProvider }.AddRetry(new RetryStrategyOptions
        {
            // The budget is counted by FileAttempts, which Polly's attempt number cannot express.
            MaxRetryAttempts = int.MaxValue,
            ShouldHandle = args => ValueTask.FromResult(
                args.Outcome.Exception is { } exception
                && IsRetriable(exception, args.Context.CancellationToken)
                && args.Context.Properties.GetValue(Attempts, null!).CountFailure() <= options.MaxRetries
                && stall?.GiveUp(args.Context.Properties.GetValue(Attempts, null!).Started) != true),
            DelayGenerator = args =>
            {
                // No wait outlasts the stall timeout: one begun just before it would end the run well after it.
                var attempts = args.Context.Properties.GetValue(Attempts, null!);
                var delay = backoff.Delay(attempts.Failures);
                return ValueTask.FromResult<TimeSpan?>(stall?.Remaining(attempts.Started) is { } left && left < delay
                    ? (left > TimeSpan.Zero ? left : TimeSpan.Zero)
                    : delay);
            },
            OnRetry = args =>
            {
                var attempts = args.Context.Properties.GetValue(Attempts, null!);
                Log.RetryScheduled(logger, attempts.Url, args.RetryDelay, attempts.Failures, BulkHttp.WithoutUrl(args.Outcome.Exception!.Message, attempts.Url));
                options.OnWait?.Invoke(new ServerWait($"download of {attempts.FileName}", attempts.Url, null, Answer(args.Outcome.Exception!, attempts.Url), args.RetryDelay, null, IsRetry: true));
                return default;
            },
        }).Build();
    }

    /// <summary>Runs <paramref name="transfer"/> until it succeeds, fails for good, or runs out of retries (then its last exception is thrown).</summary>
    /// <remarks><paramref name="transfer"/> is given when the transfer started, for the stall timeout of the requests it sends.</remarks>
    /// <remarks><paramref name="received"/> says how many bytes of the file are kept so far: a failure after it grew counts as the first.</remarks>
    public static async Task ExecuteTransferAsync(this ResiliencePipeline pipeline, Uri url, string fileName, Func<long> received, Func<DateTimeOffset, CancellationToken, Task> transfer, CancellationToken cancellationToken, TimeProvider? time = null)
    {
        var attempts = new FileAttempts(url, fileName, received, (time ?? TimeProvider.System).GetUtcNow());
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(Attempts, attempts);
        try
        {
            await pipeline.ExecuteAsync(
                async c =>
                {
                    attempts.Starting();
                    await transfer(attempts.Started, c.CancellationToken).ConfigureAwait(false);
                },
                context).ConfigureAwait(false);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>
    /// A body cut mid-stream (a network failure while reading it, or a part the server refused to continue). Whatever
    /// came out of the request itself has already been retried as often as allowed, so it is not retried again.
    /// </summary>
    public static bool IsRetriable(Exception exception, CancellationToken cancellationToken) =>
        exception is not FhirBulkException && BulkHttp.IsTransientNetworkFailure(exception, cancellationToken);

    /// <summary>What went wrong, for the wait note that already names the URL: the message without a leading URL.</summary>
    private static string Answer(Exception exception, Uri url)
    {
        return $"a cut transfer ({BulkHttp.WithoutUrl(exception.Message, url).TrimEnd('.')})";
    }

    /// <summary>One file's failures in a row; a failure after the part file grew counts as the first.</summary>
    private sealed class FileAttempts(Uri url, string fileName, Func<long> received, DateTimeOffset started)
    {
        private long _before;

        public Uri Url => url;

        /// <summary>The file's name, for wait notices.</summary>
        public string FileName => fileName;

        /// <summary>When the transfer started: the stall timeout runs from it (or from the last byte, whichever is later).</summary>
        public DateTimeOffset Started => started;

        public int Failures { get; private set; }

        public void Starting() => _before = received();

        public int CountFailure() => Failures = received() > _before ? 1 : Failures + 1;
    }
}
