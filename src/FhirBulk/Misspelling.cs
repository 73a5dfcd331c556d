namespace FhirBulk;

/// <summary>
/// What a name that matches none most likely meant, for the "did you mean" of a message: a resource type, a FHIR type or
/// an element name typed by hand. Public, as <see cref="Counted"/> is, so that the library's messages and the CLI's guess
/// alike.
/// </summary>
public static class Misspelling
{
    /// <summary>How many guesses a message offers at most: more reads as a list to choose from, not a guess.</summary>
    public const int MaxGuesses = 3;

    /// <summary>
    /// The candidates <paramref name="name"/> most likely meant, best first: those equal to it but for case (FHIR's names
    /// are case-sensitive: <c>patient</c> is no resource type), else those within two edits of it (one for a name of up to
    /// four letters, where two would make nearly any short name a guess; a swap of two neighbouring letters, the commonest
    /// slip at a keyboard, is one edit: <c>veiw</c> is one from <c>view</c>), nearer first, then in ordinal order (the
    /// ones equal but for case in the order given). At most
    /// <see cref="MaxGuesses"/>; none for a name that is itself a candidate.
    /// </summary>
    /// <param name="name">The name given.</param>
    /// <param name="candidates">The names that exist.</param>
    /// <param name="accept">
    /// Which near candidates count (a resource type among all type names, say), asked only of those close enough, so that a
    /// costly test runs on a few; <see langword="null"/> for all.
    /// </param>
    /// <returns>The guesses; empty when none is close.</returns>
    public static IReadOnlyList<string> Meant(string name, IEnumerable<string> candidates, Func<string, bool>? accept = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(candidates);
        var allowed = name.Length <= 4 ? 1 : 2;
        var near = candidates
            .Distinct(StringComparer.Ordinal)
            .Select(candidate => (Name: candidate, Cased: string.Equals(candidate, name, StringComparison.OrdinalIgnoreCase), Distance: EditDistance(candidate, name, allowed)))
            .Where(candidate => candidate.Cased || candidate.Distance <= allowed)
            .OrderBy(candidate => candidate.Cased ? 0 : 1)
            .ThenBy(candidate => candidate.Cased ? 0 : candidate.Distance)
            .ThenBy(candidate => candidate.Cased ? "" : candidate.Name, StringComparer.Ordinal)
            .ToList();
        if (near.Any(candidate => candidate.Name == name))
        {
            return [];
        }

        var accepted = near.Where(candidate => accept is null || accept(candidate.Name)).ToList();
        var cased = accepted.Where(candidate => candidate.Cased).ToList();
        return [.. (cased.Count > 0 ? cased : accepted).Take(MaxGuesses).Select(candidate => candidate.Name)];
    }

    /// <summary>Whether every guess differs from <paramref name="name"/> in case only: the message then says names are case-sensitive.</summary>
    /// <param name="name">The name given.</param>
    /// <param name="guesses">What <see cref="Meant"/> gave.</param>
    /// <returns><see langword="true"/> when there are guesses and each equals the name but for case.</returns>
    public static bool OnlyCaseDiffers(string name, IReadOnlyList<string> guesses) =>
        guesses.Count > 0 && guesses.All(guess => string.Equals(guess, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// <c> (did you mean 'where'?)</c> for a misspelling, <c> (did you mean 'Quantity'? type names are case-sensitive)</c>
    /// when <paramref name="name"/> differs from the guesses in case only, nothing without a guess.
    /// </summary>
    /// <param name="name">The name given.</param>
    /// <param name="guesses">What <see cref="Meant"/> gave.</param>
    /// <param name="kind">What the names are, for the case note: <c>type</c>, <c>element</c>.</param>
    /// <returns>The hint, with its leading space; empty for no guesses.</returns>
    public static string DidYouMean(string name, IReadOnlyList<string> guesses, string kind)
    {
        ArgumentNullException.ThrowIfNull(guesses);
        return guesses.Count == 0
            ? string.Empty
            : $" (did you mean {string.Join(" or ", guesses.Select(guess => $"'{guess}'"))}?{(OnlyCaseDiffers(name, guesses) ? $" {kind} names are case-sensitive" : "")})";
    }

    // The optimal string alignment distance (Levenshtein's insertions, deletions and substitutions, and a swap of two
    // neighbouring letters as one edit), on three rows; past the bound it only says "more".
    private static int EditDistance(string a, string b, int bound)
    {
        if (Math.Abs(a.Length - b.Length) > bound)
        {
            return bound + 1;
        }

        var beforePrevious = new int[b.Length + 1];
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    current[j] = Math.Min(current[j], beforePrevious[j - 2] + 1);
                }
            }

            (beforePrevious, previous, current) = (previous, current, beforePrevious);
        }

        return previous[b.Length];
    }
}
