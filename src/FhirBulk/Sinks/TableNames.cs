using System.Text.RegularExpressions;

namespace FhirBulk.Sinks;

/// <summary>Checks table names before they become file names or SQL identifiers.</summary>
internal static partial class TableNames
{
    /// <summary>Returns <paramref name="name"/> when it is a database-friendly name (the ViewDefinition rule).</summary>
    /// <exception cref="TableSinkException">The name could escape a folder or needs quoting rules we do not trust.</exception>
    public static string Checked(string name) =>
        SafeName().IsMatch(name)
            ? name
            : throw new TableSinkException($"Table name '{name}' is not usable: names must start with a letter and hold only letters, digits and '_'.");

    /// <summary>The file for table <paramref name="name"/> inside <paramref name="directory"/>.</summary>
    public static string FilePath(string directory, string name, string extension) =>
        Path.Combine(directory, Checked(name) + extension);

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]*$")]
    private static partial Regex SafeName();
}
