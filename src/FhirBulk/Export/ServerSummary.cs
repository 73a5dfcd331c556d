using FhirBulk.Auth;

namespace FhirBulk.Export;

/// <summary>What <c>fhir-bulk info</c> shows: the server's FHIR version, the export operations it advertises and how to authenticate.</summary>
/// <param name="BaseUri">The FHIR base URL.</param>
/// <param name="Software">The CapabilityStatement's <c>software.name</c> (and version), when given.</param>
/// <param name="FhirVersion">The CapabilityStatement's <c>fhirVersion</c>.</param>
/// <param name="ExportLevels">The export levels advertised: <c>system</c>, <c>patient</c>, <c>group</c>.</param>
/// <param name="ExportParameters">Parameters of the export operations named in the CapabilityStatement, when it lists any.</param>
/// <param name="Formats">The CapabilityStatement's <c>format</c> list.</param>
/// <param name="Authorization">The SMART configuration; <see langword="null"/> for an open server.</param>
public sealed record ServerSummary(
    Uri BaseUri,
    string? Software,
    string? FhirVersion,
    IReadOnlyList<string> ExportLevels,
    IReadOnlyList<string> ExportParameters,
    IReadOnlyList<string> Formats,
    SmartConfiguration? Authorization);

/// <summary>A Group the server holds, for choosing a group-level export.</summary>
/// <param name="Id">The Group's id.</param>
/// <param name="Name">The Group's name, when it has one.</param>
/// <param name="MemberCount">The number of members (<c>quantity</c>, else the length of <c>member</c>).</param>
public sealed record GroupInfo(string Id, string? Name, int? MemberCount);
