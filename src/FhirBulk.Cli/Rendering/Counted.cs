using System.Globalization;

namespace FhirBulk.Cli.Rendering;

/// <summary>A count with its noun in the right number: "1 table", "3 tables", "1,200 rows" (never "1 tables" or "table(s)").</summary>
internal static class Counted
{
    /// <param name="count">How many.</param>
    /// <param name="noun">The singular noun; the plural adds "s" unless given.</param>
    /// <param name="plural">The plural, for nouns that do not just add "s".</param>
    public static string Of(long count, string noun, string? plural = null) =>
        string.Create(CultureInfo.InvariantCulture, $"{count:N0} {(count == 1 ? noun : plural ?? noun + "s")}");
}
