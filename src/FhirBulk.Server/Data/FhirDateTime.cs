using System.Globalization;

namespace FhirBulk.Server.Data;

/// <summary>
/// A FHIR date, dateTime or instant as the range of instants it covers: <c>2024</c> is all of 2024,
/// <c>2024-03-01T10:00:00Z</c> is one second. Search comparisons (FHIR R4 search §3.1.1.4) use the range.
/// </summary>
internal readonly record struct FhirDateTime(DateTimeOffset Start, DateTimeOffset End)
{
    private static readonly string[] TimeFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mmK",
    ];

    public static bool TryParse(string? text, out FhirDateTime value)
    {
        value = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var styles = DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal;
        switch (text.Length)
        {
            case 4 when int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var year) && year >= 1:
                var startYear = new DateTimeOffset(year, 1, 1, 0, 0, 0, TimeSpan.Zero);
                value = new FhirDateTime(startYear, LastTick(startYear, years: 1));
                return true;
            case 7 when DateTimeOffset.TryParseExact(text, "yyyy-MM", CultureInfo.InvariantCulture, styles, out var month):
                value = new FhirDateTime(month, LastTick(month, months: 1));
                return true;
            case 10 when DateTimeOffset.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, styles, out var day):
                value = new FhirDateTime(day, LastTick(day, days: 1));
                return true;
        }

        if (DateTimeOffset.TryParseExact(text, TimeFormats, CultureInfo.InvariantCulture, styles, out var instant))
        {
            // A value without fractional seconds covers its whole second (or minute when seconds are absent).
            var span = text.Contains('.', StringComparison.Ordinal) ? TimeSpan.Zero
                : text.Length > 16 && text[16] == ':' ? TimeSpan.FromSeconds(1) - TimeSpan.FromTicks(1)
                : TimeSpan.FromMinutes(1) - TimeSpan.FromTicks(1);
            value = new FhirDateTime(instant, instant + span);
            return true;
        }

        return false;
    }

    /// <summary>
    /// The tick before the next period starts. The last year, month and day of 9999 have no next
    /// period to add up to (AddYears and friends throw): they end at <see cref="DateTimeOffset.MaxValue"/>.
    /// </summary>
    private static DateTimeOffset LastTick(DateTimeOffset start, int years = 0, int months = 0, int days = 0)
    {
        var max = DateTimeOffset.MaxValue;
        var hasNext = years > 0 ? start.Year < max.Year
            : months > 0 ? start.Year < max.Year || start.Month < max.Month
            : start.Date < max.Date;
        return hasNext ? start.AddYears(years).AddMonths(months).AddDays(days).AddTicks(-1) : max;
    }
}
