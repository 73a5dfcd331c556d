namespace FhirBulk.Http;

/// <summary>
/// Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And Jitter") for the two waits whose
/// count starts again: status polls (a new job state is not a retry) and file transfers (a cut after progress is a fresh
/// start). Request retries use Polly's own backoff, which counts every attempt of one execution.
/// </summary>
internal sealed class Backoff(TimeSpan initial, TimeSpan max, Func<double> random)
{
    /// <summary>The wait before retry number <paramref name="attempt"/> (1-based): uniform in [initial/2, min(max, initial·2^(attempt-1))].</summary>
    public TimeSpan Delay(int attempt)
    {
        var ceiling = Math.Min(max.TotalMilliseconds, initial.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30)));
        var floor = Math.Min(ceiling, initial.TotalMilliseconds / 2);
        return TimeSpan.FromMilliseconds(floor + ((ceiling - floor) * random()));
    }
}
