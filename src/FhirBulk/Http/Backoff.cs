namespace FhirBulk.Http;

/// <summary>
/// Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And Jitter") for the two waits that
/// are not one Polly execution's retries: status polls (a job still running is an answer, not a failure) and file
/// transfers (whose count starts again when a cut file moved forward, which Polly's attempt number cannot do).
/// Request retries use Polly's own backoff.
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
