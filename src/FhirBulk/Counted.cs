using System.Globalization;

namespace FhirBulk;

/// <summary>
/// A count with its noun in the right number: "1 table", "3 tables", "1,200 rows" (never "1 tables" or "table(s)").
/// Public, as <see cref="ErrorText"/> is, so that the library's messages and the CLI's lines count alike.
/// </summary>
public static class Counted
{
    /// <summary>The count, grouped by thousands, then the noun in the number it takes.</summary>
    /// <param name="count">How many.</param>
    /// <param name="noun">The singular noun; the plural adds "s" unless given.</param>
    /// <param name="plural">The plural, for nouns that do not just add "s".</param>
    /// <returns>E.g. <c>1 attempt</c>, <c>7 attempts</c>.</returns>
    public static string Of(long count, string noun, string? plural = null) =>
        string.Create(CultureInfo.InvariantCulture, $"{count:N0} {(count == 1 ? noun : plural ?? noun + "s")}");

    /// <summary>
    /// The first few names joined by commas, then how many were left out: "a, b, c and 4 more". A message that names what
    /// it found stays one readable line however many there are.
    /// </summary>
    /// <param name="names">The names, in the order to show them.</param>
    /// <param name="shown">How many to name at the most.</param>
    /// <returns>E.g. <c>a.ndjson, b.ndjson</c>, or <c>a, b, c, d, e and 2 more</c>.</returns>
    public static string FirstOf(IReadOnlyCollection<string> names, int shown)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shown);
        var named = string.Join(", ", names.Take(shown));
        return names.Count > shown ? string.Create(CultureInfo.InvariantCulture, $"{named} and {names.Count - shown} more") : named;
    }
}
