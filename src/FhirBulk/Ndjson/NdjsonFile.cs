namespace FhirBulk.Ndjson;

/// <summary>One input of an <see cref="NdjsonSource"/>.</summary>
/// <param name="Name">The file path, or <c>stdin</c>; used in error messages.</param>
/// <param name="ResourceType">
/// The resource type its name announces (<c>Patient.000.ndjson</c> → <c>Patient</c>), or
/// <see langword="null"/> for a mixed-type input. Lines are still typed by their own
/// <c>resourceType</c>; this only lets a filtered read skip whole files.
/// </param>
/// <param name="Length">The size on disk in bytes, or <see langword="null"/> when unknown (a stream).</param>
public sealed record NdjsonFile(string Name, string? ResourceType, long? Length);
