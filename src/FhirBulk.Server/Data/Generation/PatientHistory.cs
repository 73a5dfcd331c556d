using System.Text.Json;

namespace FhirBulk.Server.Data.Generation;

/// <summary>
/// Generates one patient's record the way Synthea's modules shape it: yearly wellness visits with
/// vitals, smoking status, labs, vaccines and procedures; chronic conditions that start once and are
/// treated at every later visit; acute conditions that recur (repeated diagnoses) with follow-ups.
/// </summary>
internal sealed partial class PatientHistory
{
    private const string V3ActCode = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
    private const string ConditionClinical = "http://terminology.hl7.org/CodeSystem/condition-clinical";
    private const string ConditionVerification = "http://terminology.hl7.org/CodeSystem/condition-ver-status";
    private const string ConditionCategory = "http://terminology.hl7.org/CodeSystem/condition-category";
    private const string ObservationCategory = "http://terminology.hl7.org/CodeSystem/observation-category";
    private const string AllergyClinical = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical";
    private const string AllergyVerification = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification";

    private readonly PopulationContext _context;
    private readonly DeterministicRandom _random;
    private readonly CancellationToken _cancellationToken;
    private readonly string _id;
    private readonly string _display;
    private readonly bool _female;
    private readonly DateTimeOffset _birth;
    private readonly int _organization;
    private readonly int _practitioner;
    private readonly double _heightFactor;
    private readonly double _weightFactor;
    private readonly List<(ChronicCondition Condition, string Id, DateTimeOffset Onset)> _chronic = [];

    private PatientHistory(PopulationContext context, int index, CancellationToken cancellationToken)
    {
        _context = context;
        _cancellationToken = cancellationToken;
        _random = DeterministicRandom.For(context.Seed, "patient", index);
        _id = context.PatientId(index);
        _female = _random.Chance(0.51);
        var ageDays = _random.Next(0, 90 * 365);
        _birth = context.ReferenceDate.AddDays(-ageDays).Date;
        _practitioner = _random.Next(0, context.Practitioners.Count);
        _organization = context.Practitioners[_practitioner].Organization;
        _heightFactor = _random.Normal(1, 0.05, 0.85, 1.15);
        _weightFactor = _random.Normal(1, 0.15, 0.7, 1.6);
        _display = string.Concat(_random.Pick(_female ? Terminology.FemaleNames : Terminology.MaleNames), " ", _random.Pick(Terminology.FamilyNames));
    }

    public static async ValueTask WriteAsync(PopulationContext context, int index, CancellationToken cancellationToken)
    {
        var history = new PatientHistory(context, index, cancellationToken);
        await history.WriteAsync();
    }

    private int AgeAt(DateTimeOffset date) => (int)((date - _birth).TotalDays / 365.25);

    private async ValueTask WriteAsync()
    {
        await WritePatientAsync();
        var windowStart = Max(_birth, _context.ReferenceDate.AddYears(-_context.HistoryYears));
        var fluShots = _random.Chance(0.6);
        var smoking = _random.Chance(0.7) ? Terminology.SmokingStatuses[0] : _random.Pick(Terminology.SmokingStatuses);
        await WriteAllergiesAsync(windowStart);
        for (var year = windowStart.Year; year < _context.ReferenceDate.Year; year++)
        {
            var yearStart = new DateTimeOffset(year, 1, 1, 0, 0, 0, TimeSpan.Zero);
            await StartChronicConditionsAsync(yearStart);
            var episodes = _random.Poisson(AgeAt(yearStart) < 12 ? 0.9 : 0.5);
            for (var i = 0; i < episodes; i++)
            {
                await WriteAcuteEpisodeAsync(RandomTimeIn(yearStart));
            }

            var visit = RandomTimeIn(yearStart);
            if (visit >= _birth)
            {
                await WriteWellnessVisitAsync(visit, fluShots, smoking);
            }
        }
    }

    private DateTimeOffset RandomTimeIn(DateTimeOffset yearStart) =>
        Max(_birth.AddDays(1), yearStart.AddDays(_random.Next(0, 364)).AddHours(_random.Next(8, 17)).AddMinutes(_random.Next(0, 60)));

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private DateTimeOffset LastUpdated(DateTimeOffset recorded)
    {
        var updated = recorded.AddMinutes(_random.Next(5, 24 * 60));
        return updated < _context.ReferenceDate ? updated : _context.ReferenceDate;
    }

    /// <summary>Starts a resource, or records it as deleted (written to the deletions file instead) at the configured rate.</summary>
    private Utf8JsonWriter? Begin(string type, string id, DateTimeOffset recorded, bool deletable = true)
    {
        if (deletable && _random.Chance(_context.DeletedRate))
        {
            var deletedAt = recorded.AddSeconds(_random.NextDouble() * (_context.ReferenceDate - recorded).TotalSeconds);
            var bundle = _context.Deleted.BeginResource(_random.NextUuid());
            bundle.WriteMeta(deletedAt);
            bundle.WriteString("type"u8, "transaction");
            bundle.WriteStartArray("entry"u8);
            bundle.WriteStartObject();
            bundle.WriteStartObject("request"u8);
            bundle.WriteString("method"u8, "DELETE");
            bundle.WriteString("url"u8, string.Concat(type, "/", id));
            bundle.WriteEndObject();
            bundle.WriteEndObject();
            bundle.WriteEndArray();
            // The deleted resource's patient, so Patient and Group exports can scope their deletions.
            bundle.WriteStartArray("extension"u8);
            bundle.WriteStartObject();
            bundle.WriteString("url"u8, GeneratedData.DeletedPatientExtension);
            bundle.WriteReference("valueReference"u8, "Patient", _id);
            bundle.WriteEndObject();
            bundle.WriteEndArray();
            return null;
        }

        var json = _context.Writer(type).BeginResource(id);
        json.WriteMeta(LastUpdated(recorded));
        return json;
    }

    private ValueTask EndAsync(string type) => _context.Writer(type).EndResourceAsync(_cancellationToken);

    private ValueTask EndDeletedAsync() => _context.Deleted.EndResourceAsync(_cancellationToken);

    private async ValueTask FinishAsync(string type, Utf8JsonWriter? json)
    {
        if (json is null)
        {
            await EndDeletedAsync();
        }
        else
        {
            await EndAsync(type);
        }
    }

    private async ValueTask WritePatientAsync()
    {
        var json = Begin("Patient", _id, _context.ReferenceDate.AddDays(-_random.Next(1, 400)), deletable: false)!;
        json.WriteStartArray("identifier"u8);
        json.WriteStartObject();
        json.WriteStartObject("type"u8);
        json.WriteStartArray("coding"u8);
        json.WriteStartObject();
        json.WriteString("system"u8, "http://terminology.hl7.org/CodeSystem/v2-0203");
        json.WriteString("code"u8, "MR");
        json.WriteString("display"u8, "Medical Record Number");
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteString("system"u8, "http://hospital.smarthealthit.org");
        json.WriteString("value"u8, _id);
        json.WriteEndObject();
        json.WriteEndArray();

        var space = _display.IndexOf(' ', StringComparison.Ordinal);
        json.WriteStartArray("name"u8);
        json.WriteStartObject();
        json.WriteString("use"u8, "official");
        json.WriteString("family"u8, _display[(space + 1)..]);
        json.WriteStartArray("given"u8);
        json.WriteStringValue(_display[..space]);
        json.WriteEndArray();
        if (AgeAt(_context.ReferenceDate) >= 18)
        {
            json.WriteStartArray("prefix"u8);
            json.WriteStringValue(_female ? "Ms." : "Mr.");
            json.WriteEndArray();
        }

        json.WriteEndObject();
        json.WriteEndArray();

        json.WriteStartArray("telecom"u8);
        json.WriteStartObject();
        json.WriteString("system"u8, "phone");
        json.WriteString("value"u8, $"555-{_random.Next(100, 999)}-{_random.Next(1000, 9999)}");
        json.WriteString("use"u8, "home");
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteString("gender"u8, _female ? "female" : "male");
        json.WriteString("birthDate"u8, FhirJsonWriterExtensions.FormatDate(_birth));

        var (city, zip) = _random.Pick(Terminology.Cities);
        json.WriteStartArray("address"u8);
        json.WriteStartObject();
        json.WriteStartArray("line"u8);
        json.WriteStringValue($"{_random.Next(1, 999)} {_random.Pick(Terminology.Streets)}");
        json.WriteEndArray();
        json.WriteString("city"u8, city);
        json.WriteString("state"u8, "MA");
        json.WriteString("postalCode"u8, zip);
        json.WriteString("country"u8, "US");
        json.WriteEndObject();
        json.WriteEndArray();

        var (code, display) = MaritalStatus();
        json.WriteStartObject("maritalStatus"u8);
        json.WriteStartArray("coding"u8);
        json.WriteStartObject();
        json.WriteString("system"u8, "http://terminology.hl7.org/CodeSystem/v3-MaritalStatus");
        json.WriteString("code"u8, code);
        json.WriteString("display"u8, display);
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteString("text"u8, display);
        json.WriteEndObject();

        json.WriteStartArray("communication"u8);
        json.WriteStartObject();
        json.WriteCodeableConcept("language"u8, new Code("urn:ietf:bcp:47", "en-US", "English (United States)"));
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteStartArray("generalPractitioner"u8);
        json.WriteStartObject();
        json.WriteReferenceValue("Practitioner", _context.Practitioners[_practitioner].Id);
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteReference("managingOrganization"u8, "Organization", _context.Organizations[_organization].Id);
        await EndAsync("Patient");
    }

    private (string Code, string Display) MaritalStatus()
    {
        if (AgeAt(_context.ReferenceDate) < 18)
        {
            return ("S", "Never Married");
        }

        var draw = _random.NextDouble();
        foreach (var (code, display, share) in Terminology.MaritalStatuses)
        {
            draw -= share;
            if (draw < 0)
            {
                return (code, display);
            }
        }

        return ("M", "Married");
    }

    private async ValueTask<string> WriteEncounterAsync(DateTimeOffset start, Code type, bool emergency, string? reasonConditionId)
    {
        var id = _random.NextUuid();
        var json = Begin("Encounter", id, start, deletable: false)!;
        json.WriteString("status"u8, "finished");
        json.WriteStartObject("class"u8);
        json.WriteString("system"u8, V3ActCode);
        json.WriteString("code"u8, emergency ? "EMER" : "AMB");
        json.WriteEndObject();
        json.WriteCodeableConceptArray("type"u8, type);
        json.WriteReference("subject"u8, "Patient", _id, _display);
        json.WriteStartArray("participant"u8);
        json.WriteStartObject();
        json.WriteReference("individual"u8, "Practitioner", _context.Practitioners[_practitioner].Id, _context.Practitioners[_practitioner].Name);
        json.WriteEndObject();
        json.WriteEndArray();
        json.WritePeriod(start, start.AddMinutes(emergency ? _random.Next(60, 300) : _random.Next(15, 45)));
        if (reasonConditionId is not null)
        {
            json.WriteStartArray("reasonReference"u8);
            json.WriteStartObject();
            json.WriteReferenceValue("Condition", reasonConditionId);
            json.WriteEndObject();
            json.WriteEndArray();
        }

        json.WriteReference("serviceProvider"u8, "Organization", _context.Organizations[_organization].Id, _context.Organizations[_organization].Name);
        await EndAsync("Encounter");
        return id;
    }

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
