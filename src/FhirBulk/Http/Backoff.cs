namespace FhirBulk.Http;

/// <summary>Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And Jitter"), used when a server gives no Retry-After.</summary>
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
