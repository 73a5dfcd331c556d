namespace FhirBulk.Workshop;

/// <summary>
/// The answers to the workshop's three research questions. Serialized with web (camelCase)
/// naming this is the <c>demo --json</c> document; every list is ordered by count, descending.
/// </summary>
/// <param name="FluVaccinatedPatients">Patients who ever received an influenza vaccine (CVX influenza codes).</param>
/// <param name="TopConditions">The five most common conditions, each patient counted once per condition (first diagnosis).</param>
/// <param name="TopMedication">The most requested medication, or <see langword="null"/> when there are no MedicationRequests.</param>
/// <param name="EncounterTypes">The top five types of the encounters in which <paramref name="TopMedication"/> was prescribed.</param>
public sealed record WorkshopAnswers(
    long FluVaccinatedPatients,
    IReadOnlyList<ConditionCount> TopConditions,
    MedicationCount? TopMedication,
    IReadOnlyList<EncounterTypeCount> EncounterTypes);

/// <summary>A condition and how many patients were diagnosed with it.</summary>
/// <param name="Code">The condition code (SNOMED CT in Synthea data).</param>
/// <param name="Display">Its display text.</param>
/// <param name="Patients">Patients diagnosed with it at least once.</param>
public sealed record ConditionCount(string Code, string? Display, long Patients);

/// <summary>A medication and how often it was requested.</summary>
/// <param name="Code">The medication code (RxNorm in Synthea data).</param>
/// <param name="Display">Its display text.</param>
/// <param name="Requests">MedicationRequests for it.</param>
public sealed record MedicationCount(string Code, string? Display, long Requests);

/// <summary>An encounter type and how many encounters of that type there were.</summary>
/// <param name="Code">The encounter type code (SNOMED CT in Synthea data).</param>
/// <param name="Display">Its display text.</param>
/// <param name="Count">Encounters of this type.</param>
public sealed record EncounterTypeCount(string Code, string? Display, long Count);
