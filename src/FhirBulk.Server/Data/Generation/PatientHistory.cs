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

    // The patient's own stream fixes who the patient is; a later visit (a step of change) draws its events from another.
    private DeterministicRandom _random;

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

    /// <summary>One more wellness visit of patient <paramref name="index"/> at <paramref name="visit"/>, its events drawn from <paramref name="events"/>.</summary>
    public static async ValueTask WriteVisitAsync(PopulationContext context, int index, DateTimeOffset visit, DeterministicRandom events, CancellationToken cancellationToken)
    {
        var history = new PatientHistory(context, index, cancellationToken) { _random = events };
        var fluShots = events.Chance(0.6);
        await history.WriteWellnessVisitAsync(visit, fluShots, events.Pick(Terminology.SmokingStatuses));
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
        var (from, until) = _context.Changes;
        return Max(from, updated < until ? updated : until);
    }

    /// <summary>Starts a resource, or records it as deleted (written to the deletions file instead) at the configured rate.</summary>
    private Utf8JsonWriter? Begin(string type, string id, DateTimeOffset recorded, bool deletable = true)
    {
        if (deletable && _random.Chance(_context.DeletedRate))
        {
            var from = Max(recorded, _context.Changes.From);
            var deletedAt = from.AddSeconds(_random.NextDouble() * (_context.Changes.Until - from).TotalSeconds);
            _context.Deleted.BeginDeletion(_random.NextUuid(), deletedAt, type, id, _id);
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
}
