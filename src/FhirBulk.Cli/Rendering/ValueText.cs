using System.Collections;
using System.Globalization;

namespace FhirBulk.Cli.Rendering;

/// <summary>How a table cell value reads as text: invariant culture, lists in brackets, ISO dates.</summary>
internal static class ValueText
{
    public static string Format(object? value) => value switch
    {
        null => "",
        string s => s,
        bool b => b ? "true" : "false",
        DateTime { Kind: DateTimeKind.Utc } d => d.ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFFZ", CultureInfo.InvariantCulture),
        DateTime d => d.ToString(d.TimeOfDay == TimeSpan.Zero ? "yyyy-MM-dd" : "yyyy-MM-ddTHH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
        DateTimeOffset d => d.ToString("O", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable list => "[" + string.Join(", ", list.Cast<object?>().Select(Format)) + "]",
        _ => value.ToString() ?? "",
    };

    /// <summary>
    /// An instant as FHIR writes one (an <c>instant</c>: seconds, the fraction only as far as it goes, <c>Z</c> for UTC), so
    /// that a <c>transactionTime</c> reads as the server sent it rather than as .NET's round-trip form.
    /// </summary>
    public static string Instant(DateTimeOffset instant) => instant.Offset == TimeSpan.Zero
        ? instant.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture)
        : instant.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture);

    /// <summary>A CSV field per RFC 4180: quoted when it holds a comma, quote or line break.</summary>
    public static string Csv(object? value)
    {
        var text = Format(value);
        return text.AsSpan().IndexOfAny(",\"\r\n") >= 0
            ? "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : text;
    }

    /// <summary>A value System.Text.Json writes naturally (numbers stay numbers, lists stay arrays).</summary>
    public static object? Json(object? value) => value switch
    {
        null or string or bool or int or long or short or byte or double or float or decimal => value,
        System.Numerics.BigInteger big => big <= long.MaxValue && big >= long.MinValue ? (long)big : big.ToString(CultureInfo.InvariantCulture),
        IEnumerable list => list.Cast<object?>().Select(Json).ToList(),
        _ => Format(value),
    };
}
