using FhirBulk.Server.Data;

namespace FhirBulk.Server.Export;

/// <summary>What an export reads, fixed at kick-off: one snapshot of the data, its time, and the patients in scope.</summary>
/// <param name="Store">The data snapshot; a step applied after kick-off is not seen.</param>
/// <param name="TransactionTime">The data's time at kick-off.</param>
/// <param name="Patients">Patients in scope at Patient or Group level, or null for all.</param>
/// <param name="JoinedSince">
/// Group members who joined after <c>_since</c>: their whole compartment is exported, as the Bulk Data IG allows
/// ("Query Parameters", <c>_since</c>: for a Group level export the server MAY return resources modified before
/// <c>_since</c> that belong to the compartment of a patient added to the Group after it). Null when that does not apply.
/// </param>
internal sealed record ExportScope(ResourceStore Store, DateTimeOffset TransactionTime, IReadOnlySet<string>? Patients, IReadOnlySet<string>? JoinedSince);
