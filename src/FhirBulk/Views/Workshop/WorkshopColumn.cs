namespace FhirBulk.Views.Workshop;

/// <summary>
/// A workshop-style column: a friendly name and the FHIRPath that fills it, as in the seed
/// notebook's <c>("date_of_birth", "birthDate")</c> pairs.
/// </summary>
/// <param name="Name">The column name (letters, digits and <c>_</c>, starting with a letter).</param>
/// <param name="Path">The FHIRPath expression, evaluated on the resource.</param>
public sealed record WorkshopColumn(string Name, string Path)
{
    /// <summary>
    /// Whether the column holds a list. <see langword="null"/> (the default) lets the FHIR model
    /// decide: a path that yields at most one item (<c>gender</c>,
    /// <c>identifier[0].value</c>, <c>name.first().family</c>) is an unwrapped single value; one
    /// that can yield several (<c>name.given</c>) is a list in every row, including rows with one
    /// item, so that a sink column keeps one type.
    /// </summary>
    public bool? Collection { get; init; }

    /// <summary>Converts a <c>(name, path)</c> pair.</summary>
    public static implicit operator WorkshopColumn((string Name, string Path) pair) => new(pair.Name, pair.Path);

    /// <summary>Converts a <c>(name, path)</c> pair.</summary>
    public static WorkshopColumn FromValueTuple((string Name, string Path) pair) => new(pair.Name, pair.Path);
}
