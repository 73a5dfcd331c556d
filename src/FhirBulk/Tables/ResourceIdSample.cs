using System.Globalization;

namespace FhirBulk.Tables;

/// <summary>How many resources of a type a source holds, and the ids of the first few (<see cref="FhirTables.SampleIdsAsync"/>).</summary>
/// <param name="ResourceType">The resource type.</param>
/// <param name="Count">How many resources of it there are.</param>
/// <param name="FirstIds">The ids of the first few, in the order they come (a resource without an id is counted, not named).</param>
public sealed record ResourceIdSample(string ResourceType, long Count, IReadOnlyList<string> FirstIds)
{
    /// <summary>
    /// The sample as a phrase for a message: <c>3 Patient resources (ids p1, p2, p3)</c>, <c>100 Patient resources (ids a,
    /// b, c, d, e and 95 more)</c>, <c>no Patient resource</c>.
    /// </summary>
    /// <returns>The phrase.</returns>
    public override string ToString()
    {
        if (Count == 0)
        {
            return $"no {ResourceType} resource";
        }

        string counted = Counted.Of(Count, ResourceType + " resource");
        if (FirstIds.Count == 0)
        {
            return counted;
        }

        string ids = string.Join(", ", FirstIds);
        long rest = Count - FirstIds.Count;
        return string.Create(CultureInfo.InvariantCulture, $"{counted} ({(FirstIds.Count == 1 ? "id" : "ids")} {ids}{(rest > 0 ? $" and {rest:N0} more" : "")})");
    }
}
