using FhirBulk.Views.FhirPath;
using FhirBulk.Views.FhirPath.Model;

namespace FhirBulk.Export;

/// <summary>The population an export covers (Bulk Data IG: system, Patient and Group level kick-off endpoints).</summary>
public enum ExportLevel
{
    /// <summary><c>[base]/$export</c>: all data on the server.</summary>
    System,

    /// <summary><c>[base]/Patient/$export</c>: all patients' data.</summary>
    Patient,

    /// <summary><c>[base]/Group/[id]/$export</c>: the data of a group's members.</summary>
    Group,
}

/// <summary>What to export: the level and every kick-off parameter of the Bulk Data IG (STU2 to STU4).</summary>
public sealed record ExportRequest
{
    /// <summary>The export level.</summary>
    /// <value>The default value is <see cref="ExportLevel.Patient"/>.</value>
    // Written even as the enum's default (System): a request described without defaults would otherwise read "level: none".
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.Never)]
    public ExportLevel Level { get; init; } = ExportLevel.Patient;

    /// <summary>The Group id; required for <see cref="ExportLevel.Group"/>.</summary>
    public string? GroupId { get; init; }

    /// <summary><c>_outputFormat</c>.</summary>
    /// <value>The default value is <see langword="null"/> (the server's default, <c>application/fhir+ndjson</c>).</value>
    public string? OutputFormat { get; init; }

    /// <summary><c>_type</c>: resource types to include.</summary>
    public IReadOnlyList<string> Types { get; init; } = [];

    /// <summary><c>_since</c>: only resources changed after this instant.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary><c>_until</c>: only resources changed before this instant (STU3).</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary><c>_elements</c>: elements to keep (<c>Type.element</c> or <c>element</c>).</summary>
    public IReadOnlyList<string> Elements { get; init; } = [];

    /// <summary>
    /// <c>patient</c>: references (<c>Patient/123</c>) to restrict a Patient or Group export to; forces POST. A bare id
    /// (<c>123</c>) is sent as <c>Patient/123</c> (<see cref="PatientReference"/>).
    /// </summary>
    public IReadOnlyList<string> Patients { get; init; } = [];

    /// <summary><c>includeAssociatedData</c> values, e.g. <c>LatestProvenanceResources</c>.</summary>
    public IReadOnlyList<string> IncludeAssociatedData { get; init; } = [];

    /// <summary><c>_typeFilter</c>: FHIR search queries (<c>Type?param=value</c>), one parameter each.</summary>
    public IReadOnlyList<string> TypeFilters { get; init; } = [];

    /// <summary><c>organizeOutputBy</c> (STU3), e.g. <c>Patient</c>.</summary>
    public string? OrganizeOutputBy { get; init; }

    /// <summary><c>allowPartialManifests</c> (STU3): let the server page the manifest.</summary>
    public bool AllowPartialManifests { get; init; }

    /// <summary>Kick off with POST and a Parameters body rather than GET.</summary>
    public bool UsePost { get; init; }

    /// <summary>Send <c>Prefer: handling=lenient</c> so the server skips parameters it does not support instead of failing.</summary>
    public bool Lenient { get; init; }

    /// <summary>
    /// Why <paramref name="type"/>, given for <c>_type</c>, is most likely a slip, or <see langword="null"/>: it names no FHIR R4
    /// type, and an R4 resource type differs from it in case or by a typo (<see cref="Misspelling.Meant"/>), e.g.
    /// <c>'Condtion' is not a FHIR R4 resource type (did you mean 'Condition'?)</c>. A name far from every R4 type (a resource
    /// of a later FHIR release, a server's own) is not judged: the server decides.
    /// </summary>
    /// <param name="type">A resource type name as given.</param>
    /// <returns>The problem in words, or <see langword="null"/>.</returns>
    public static string? MisspeltType(string type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return R4Types.IsKnown(type) || Misspelling.Meant(type, R4Types.Names, name => R4Types.Find(name) is { IsResource: true }).Count == 0
            ? null
            : TypeSpecifiers.NotAResourceType(type);
    }

    /// <summary>
    /// The <c>patient</c> parameter's reference for <paramref name="patient"/>: a bare id (<c>123</c>) becomes
    /// <c>Patient/123</c>; a Patient reference (<c>Patient/123</c>, an absolute URL ending in one, <c>urn:uuid:…</c>) is kept.
    /// </summary>
    /// <param name="patient">A patient id or reference as given.</param>
    /// <returns>The reference to send.</returns>
    /// <exception cref="ArgumentException"><paramref name="patient"/> is empty, or a reference to another resource type (<c>Group/1</c>).</exception>
    public static string PatientReference(string patient)
    {
        ArgumentNullException.ThrowIfNull(patient);
        var reference = patient.Trim();
        if (reference.StartsWith("urn:", StringComparison.Ordinal))
        {
            return reference;
        }

        var segments = reference.Split('/');
        if (reference.Length > 0 && segments.Length == 1)
        {
            return $"Patient/{reference}";
        }

        // A versioned reference (Patient/123/_history/2) names its type two segments earlier.
        var history = Array.LastIndexOf(segments, "_history");
        var end = history > 0 ? history : segments.Length;
        return end >= 2 && segments[end - 2] == "Patient" && segments[end - 1].Length > 0
            ? reference
            : throw new ArgumentException(
                end >= 2 && segments[end - 2].Length > 0 && segments[end - 1].Length > 0
                    ? $"'{patient}' refers to a {segments[end - 2]}, not a Patient; give a patient id (123) or a Patient reference (Patient/123)."
                    : $"'{patient}' is neither a patient id (123) nor a Patient reference (Patient/123).",
                nameof(patient));
    }

    internal void Validate()
    {
        foreach (var patient in Patients)
        {
            PatientReference(patient);
        }

        if (Level == ExportLevel.Group && string.IsNullOrWhiteSpace(GroupId))
        {
            throw new ArgumentException("A Group export needs a GroupId.", nameof(GroupId));
        }

        if (Level == ExportLevel.System && Patients.Count > 0)
        {
            throw new ArgumentException("The patient parameter applies to Patient and Group exports only.", nameof(Patients));
        }
    }
}
