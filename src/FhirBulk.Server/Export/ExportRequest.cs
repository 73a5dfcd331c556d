namespace FhirBulk.Server.Export;

/// <summary>A validated kick-off request: everything the job needs, nothing left to parse.</summary>
internal sealed class ExportRequest
{
    public required ExportLevel Level { get; init; }

    /// <summary>Types asked for by <c>_type</c>, in order; empty means every type the level covers.</summary>
    public IReadOnlyList<string> Types { get; init; } = [];

    public DateTimeOffset? Since { get; init; }

    public DateTimeOffset? Until { get; init; }

    /// <summary><c>_elements</c>: element names per type, with <c>"*"</c> for names that apply to every type.</summary>
    public IReadOnlyDictionary<string, HashSet<string>>? Elements { get; init; }

    /// <summary>Patient ids from the POST <c>patient</c> parameter.</summary>
    public IReadOnlySet<string>? Patients { get; init; }

    public IReadOnlyDictionary<string, IReadOnlyList<TypeFilter>> TypeFilters { get; init; } = new Dictionary<string, IReadOnlyList<TypeFilter>>();

    public bool AllowPartialManifests { get; init; }

    public string? OrganizeOutputBy { get; init; }

    public IReadOnlyList<string> IncludeAssociatedData { get; init; } = [];

    /// <summary>Problems ignored under <c>handling=lenient</c>; the manifest's error list reports them.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
