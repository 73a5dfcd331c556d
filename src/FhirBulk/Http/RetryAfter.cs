using System.Net.Http.Headers;

namespace FhirBulk.Http;

/// <summary>Turns a <c>Retry-After</c> header (RFC 9110 §10.2.3: delta-seconds or an HTTP-date) into a bounded wait.</summary>
internal static class RetryAfter
{
    /// <summary>The wait the server asked for, clamped to [<paramref name="min"/>, <paramref name="max"/>]; null when it asked nothing.</summary>
    /// <remarks>
    /// Servers have been seen sending an absolute epoch as delta-seconds (a wait of decades) and HTTP-dates in the past;
    /// both are clamped rather than obeyed or treated as "poll now in a busy loop".
    /// </remarks>
    public static TimeSpan? Parse(RetryConditionHeaderValue? header, DateTimeOffset now, TimeSpan min, TimeSpan max)
    {
        if (header is null)
        {
            return null;
        }

        TimeSpan wait;
        if (header.Delta is { } delta)
        {
            wait = delta;
        }
        else if (header.Date is { } date)
        {
            wait = date - now;
        }
        else
        {
            return null;
        }

        return wait < min ? min : wait > max ? max : wait;
    }

    /// <summary>Reads the header from raw text, for headers the typed parser refused (some servers send fractional seconds).</summary>
    public static TimeSpan? Parse(HttpResponseMessage response, DateTimeOffset now, TimeSpan min, TimeSpan max)
    {
        if (response.Headers.RetryAfter is { } typed)
        {
            return Parse(typed, now, min, max);
        }

        if (response.Headers.TryGetValues("Retry-After", out var values)
            && double.TryParse(values.FirstOrDefault(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            && double.IsFinite(seconds))
        {
            var wait = TimeSpan.FromSeconds(Math.Clamp(seconds, 0, max.TotalSeconds));
            return wait < min ? min : wait;
        }

        return null;
    }
}
