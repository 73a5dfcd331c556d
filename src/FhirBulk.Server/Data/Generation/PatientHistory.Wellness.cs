using System.Text.Json;

namespace FhirBulk.Server.Data.Generation;

/// <summary>The yearly wellness visit: vitals, smoking status, labs, vaccines, procedures, chronic prescriptions.</summary>
internal sealed partial class PatientHistory
{
    private const string VitalSigns = "vital-signs";

    private async ValueTask WriteWellnessVisitAsync(DateTimeOffset visit, bool fluShots, Code smoking)
    {
        var age = AgeAt(visit);
        var encounter = await WriteEncounterAsync(visit, age < 18 ? Terminology.WellnessChild : Terminology.WellnessAdult, emergency: false, reasonConditionId: null);
        var taken = visit.AddMinutes(5);

        // Children grow: scale the adult means by age so the curves stay plausible.
        var growth = age >= 18 ? 1.0 : Math.Min(1.0, 0.3 + (age * 0.04));
        var heightMean = (_female ? 163 : 177) * _heightFactor * growth;
        var height = Math.Round(heightMean, 1);
        var weight = Math.Round((_female ? 70 : 84) * _weightFactor * growth * growth * _random.Normal(1, 0.03, 0.9, 1.1), 1);
        await WriteQuantityObservationAsync(Terminology.BodyHeight.Code, VitalSigns, encounter, taken, height, "cm");
        await WriteQuantityObservationAsync(Terminology.BodyWeight.Code, VitalSigns, encounter, taken, weight, "kg");
        await WriteQuantityObservationAsync(Terminology.Bmi, VitalSigns, encounter, taken, Math.Round(weight / Math.Pow(height / 100, 2), 1), "kg/m2");
        await WriteBloodPressureAsync(encounter, taken);
        await WriteMeasureAsync(Terminology.HeartRate, VitalSigns, encounter, taken);
        await WriteMeasureAsync(Terminology.RespiratoryRate, VitalSigns, encounter, taken);
        if (age >= 12)
        {
            await WriteSmokingStatusAsync(smoking, encounter, taken);
        }

        foreach (var lab in Terminology.Labs)
        {
            var monitored = _chronic.Exists(c => c.Onset <= visit && Array.Exists(c.Condition.Labs, l => l.Value == lab.Code.Value));
            if (monitored || (age >= 18 && _random.Chance(0.15)))
            {
                await WriteMeasureAsync(lab, "laboratory", encounter, taken.AddMinutes(20));
            }
        }

        if (fluShots && visit > _birth.AddMonths(6))
        {
            await WriteImmunizationAsync(Terminology.Influenza, encounter, taken);
        }

        foreach (var (vaccine, vaccineAge) in Terminology.Schedule)
        {
            if (vaccineAge == age && _random.Chance(0.9))
            {
                await WriteImmunizationAsync(vaccine, encounter, taken);
            }
        }

        if (age >= 12 && _random.Chance(0.6))
        {
            await WriteProcedureAsync(Terminology.DepressionScreening, encounter, taken, null);
        }

        if (_random.Chance(0.4))
        {
            await WriteProcedureAsync(Terminology.NeedsAssessment, encounter, taken, null);
        }

        var renewals = 0;
        foreach (var (condition, conditionId, onset) in _chronic)
        {
            if (condition.Medication is not null && onset < visit)
            {
                await WriteMedicationRequestAsync(condition.Medication, encounter, conditionId, visit, chronicCourse: true);
                renewals++;
            }
        }

        if (renewals > 0)
        {
            await WriteProcedureAsync(Terminology.MedicationReconciliation, encounter, taken, null);
        }
    }

    private Utf8JsonWriter? BeginObservation(Code code, string category, string encounter, DateTimeOffset effective)
    {
        var json = Begin("Observation", _random.NextUuid(), effective);
        if (json is not null)
        {
            json.WriteString("status"u8, "final");
            json.WriteCategory(ObservationCategory, category, category switch
            {
                VitalSigns => "Vital signs",
                "laboratory" => "Laboratory",
                _ => "Social History",
            });
            json.WriteCodeableConcept("code"u8, code);
            json.WriteReference("subject"u8, "Patient", _id);
            json.WriteReference("encounter"u8, "Encounter", encounter);
            json.WriteDateTime("effectiveDateTime"u8, effective);
            json.WriteInstant("issued"u8, effective);
        }

        return json;
    }

    private ValueTask WriteMeasureAsync(Measure measure, string category, string encounter, DateTimeOffset effective) =>
        WriteQuantityObservationAsync(measure.Code, category, encounter, effective,
            Math.Round(_random.Normal(measure.Mean, measure.Deviation, measure.Min, measure.Max), measure.Decimals), measure.Unit);

    private async ValueTask WriteQuantityObservationAsync(Code code, string category, string encounter, DateTimeOffset effective, double value, string unit)
    {
        var json = BeginObservation(code, category, encounter, effective);
        json?.WriteQuantity("valueQuantity"u8, value, unit);
        await FinishAsync("Observation", json);
    }

    private async ValueTask WriteBloodPressureAsync(string encounter, DateTimeOffset effective)
    {
        var hypertensive = _chronic.Exists(c => c.Condition.Code.Value == "38341003" && c.Onset <= effective);
        var json = BeginObservation(Terminology.BloodPressurePanel, VitalSigns, encounter, effective);
        if (json is not null)
        {
            json.WriteStartArray("component"u8);
            foreach (var measure in new[] { Terminology.Systolic, Terminology.Diastolic })
            {
                json.WriteStartObject();
                json.WriteCodeableConcept("code"u8, measure.Code);
                var mean = hypertensive ? measure.Mean * 1.15 : measure.Mean;
                json.WriteQuantity("valueQuantity"u8, Math.Round(_random.Normal(mean, measure.Deviation, measure.Min, measure.Max)), measure.Unit);
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        await FinishAsync("Observation", json);
    }

    private async ValueTask WriteSmokingStatusAsync(Code status, string encounter, DateTimeOffset effective)
    {
        var json = BeginObservation(Terminology.SmokingStatus, "social-history", encounter, effective);
        json?.WriteCodeableConcept("valueCodeableConcept"u8, status);
        await FinishAsync("Observation", json);
    }

    private async ValueTask WriteImmunizationAsync(Code vaccine, string encounter, DateTimeOffset given)
    {
        var json = Begin("Immunization", _random.NextUuid(), given);
        if (json is not null)
        {
            json.WriteString("status"u8, "completed");
            json.WriteCodeableConcept("vaccineCode"u8, vaccine);
            json.WriteReference("patient"u8, "Patient", _id);
            json.WriteReference("encounter"u8, "Encounter", encounter);
            json.WriteDateTime("occurrenceDateTime"u8, given);
            json.WriteBoolean("primarySource"u8, true);
        }

        await FinishAsync("Immunization", json);
    }
}
