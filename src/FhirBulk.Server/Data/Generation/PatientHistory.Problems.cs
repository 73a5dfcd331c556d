using System.Text.Json;

namespace FhirBulk.Server.Data.Generation;

/// <summary>Allergies, chronic and acute conditions, and the encounters, prescriptions and procedures that treat them.</summary>
internal sealed partial class PatientHistory
{
    private async ValueTask WriteAllergiesAsync(DateTimeOffset windowStart)
    {
        foreach (var (code, category, prevalence) in Terminology.Allergies)
        {
            if (!_random.Chance(prevalence))
            {
                continue;
            }

            var recorded = RandomTimeIn(new DateTimeOffset(windowStart.Year, 1, 1, 0, 0, 0, TimeSpan.Zero));
            var json = Begin("AllergyIntolerance", _random.NextUuid(), recorded, deletable: false)!;
            json.WriteStatusConcept("clinicalStatus"u8, AllergyClinical, "active");
            json.WriteStatusConcept("verificationStatus"u8, AllergyVerification, "confirmed");
            json.WriteString("type"u8, "allergy");
            json.WriteStartArray("category"u8);
            json.WriteStringValue(category);
            json.WriteEndArray();
            json.WriteString("criticality"u8, _random.Chance(0.3) ? "high" : "low");
            json.WriteCodeableConcept("code"u8, code);
            json.WriteReference("patient"u8, "Patient", _id);
            json.WriteDateTime("recordedDate"u8, recorded);
            await EndAsync("AllergyIntolerance");
        }
    }

    private async ValueTask StartChronicConditionsAsync(DateTimeOffset yearStart)
    {
        foreach (var chronic in Terminology.Chronic)
        {
            if (AgeAt(yearStart) < chronic.MinAge || _chronic.Exists(c => c.Condition == chronic) || !_random.Chance(chronic.Prevalence * 4))
            {
                continue;
            }

            var onset = RandomTimeIn(yearStart);
            var conditionId = _random.NextUuid();
            var encounter = await WriteEncounterAsync(onset, Terminology.ProblemEncounter, emergency: false, reasonConditionId: null);
            await WriteConditionAsync(conditionId, chronic.Code, encounter, onset, abatement: null);
            _chronic.Add((chronic, conditionId, onset));
            if (chronic.Medication is not null)
            {
                await WriteMedicationRequestAsync(chronic.Medication, encounter, conditionId, onset, chronicCourse: true);
            }

            if (_random.Chance(0.5))
            {
                await WriteEncounterAsync(onset.AddDays(_random.Next(14, 60)), Terminology.FollowUpEncounter, emergency: false, conditionId);
            }
        }
    }

    private async ValueTask WriteAcuteEpisodeAsync(DateTimeOffset onset)
    {
        var age = AgeAt(onset);
        var candidates = Array.FindAll(Terminology.Acute, a => age >= a.MinAge && age <= a.MaxAge);
        var total = 0.0;
        foreach (var candidate in candidates)
        {
            total += candidate.Weight;
        }

        var draw = _random.NextDouble() * total;
        var acute = candidates[^1];
        foreach (var candidate in candidates)
        {
            draw -= candidate.Weight;
            if (draw < 0)
            {
                acute = candidate;
                break;
            }
        }

        var conditionId = _random.NextUuid();
        var encounter = await WriteEncounterAsync(onset, acute.Emergency ? Terminology.EmergencyEncounter : Terminology.SymptomEncounter, acute.Emergency, reasonConditionId: null);
        await WriteConditionAsync(conditionId, acute.Code, encounter, onset, onset.AddDays(_random.Next(7, 21)));
        if (acute.Procedure is not null)
        {
            await WriteProcedureAsync(acute.Procedure, encounter, onset.AddMinutes(10), conditionId);
        }

        if (acute.Medication is not null && _random.Chance(0.8))
        {
            await WriteMedicationRequestAsync(acute.Medication, encounter, conditionId, onset, chronicCourse: false);
        }

        if (_random.Chance(0.3))
        {
            await WriteEncounterAsync(onset.AddDays(_random.Next(7, 28)), Terminology.FollowUpEncounter, emergency: false, conditionId);
        }
    }

    private async ValueTask WriteConditionAsync(string id, Code code, string encounter, DateTimeOffset onset, DateTimeOffset? abatement)
    {
        var json = Begin("Condition", id, onset);
        if (json is not null)
        {
            json.WriteStatusConcept("clinicalStatus"u8, ConditionClinical, abatement is null ? "active" : "resolved");
            json.WriteStatusConcept("verificationStatus"u8, ConditionVerification, "confirmed");
            json.WriteCategory(ConditionCategory, "encounter-diagnosis", "Encounter Diagnosis");
            json.WriteCodeableConcept("code"u8, code);
            json.WriteReference("subject"u8, "Patient", _id);
            json.WriteReference("encounter"u8, "Encounter", encounter);
            json.WriteDateTime("onsetDateTime"u8, onset);
            if (abatement is { } end)
            {
                json.WriteDateTime("abatementDateTime"u8, end);
            }

            json.WriteDateTime("recordedDate"u8, onset);
        }

        await FinishAsync("Condition", json);
    }

    private async ValueTask WriteMedicationRequestAsync(Code medication, string encounter, string conditionId, DateTimeOffset authored, bool chronicCourse)
    {
        var json = Begin("MedicationRequest", _random.NextUuid(), authored);
        if (json is not null)
        {
            var current = chronicCourse && authored > _context.ReferenceDate.AddYears(-1);
            json.WriteString("status"u8, current ? "active" : chronicCourse ? "stopped" : "completed");
            json.WriteString("intent"u8, "order");
            json.WriteCodeableConcept("medicationCodeableConcept"u8, medication);
            json.WriteReference("subject"u8, "Patient", _id);
            json.WriteReference("encounter"u8, "Encounter", encounter);
            json.WriteDateTime("authoredOn"u8, authored);
            json.WriteReference("requester"u8, "Practitioner", _context.Practitioners[_practitioner].Id, _context.Practitioners[_practitioner].Name);
            json.WriteStartArray("reasonReference"u8);
            json.WriteStartObject();
            json.WriteReferenceValue("Condition", conditionId);
            json.WriteEndObject();
            json.WriteEndArray();
        }

        await FinishAsync("MedicationRequest", json);
    }

    private async ValueTask WriteProcedureAsync(Code code, string encounter, DateTimeOffset performed, string? reasonConditionId)
    {
        var json = Begin("Procedure", _random.NextUuid(), performed);
        if (json is not null)
        {
            json.WriteString("status"u8, "completed");
            json.WriteCodeableConcept("code"u8, code);
            json.WriteReference("subject"u8, "Patient", _id);
            json.WriteReference("encounter"u8, "Encounter", encounter);
            json.WriteStartObject("performedPeriod"u8);
            json.WriteDateTime("start"u8, performed);
            json.WriteDateTime("end"u8, performed.AddMinutes(15));
            json.WriteEndObject();
            if (reasonConditionId is not null)
            {
                json.WriteStartArray("reasonReference"u8);
                json.WriteStartObject();
                json.WriteReferenceValue("Condition", reasonConditionId);
                json.WriteEndObject();
                json.WriteEndArray();
            }
        }

        await FinishAsync("Procedure", json);
    }
}
