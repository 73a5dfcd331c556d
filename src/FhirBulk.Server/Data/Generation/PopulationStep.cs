using System.Globalization;
using System.Text.Json.Nodes;

namespace FhirBulk.Server.Data.Generation;

/// <summary>
/// One step of change of a generated population, written to its own folder (<see cref="Timeline.StepFolder"/>):
/// new wellness visits with their observations, Conditions resolved (a new version), resources deleted, Observations
/// deleted and re-created with the same id, a patient moving from one Group to another, and new patients joining a Group
/// with their whole history. Every change is stamped inside the step's window, and the step is a function of the seed,
/// the step number and the state the previous steps left, so the same seed and steps give byte-identical files.
/// </summary>
/// <remarks>
/// The folder holds the state at the end of the step: a resource updated and then deleted within the step is only a
/// deletion, and one deleted and re-created is both a deletion and its new version (later than the deletion), as a
/// server exporting current state serves them.
/// </remarks>
internal sealed class PopulationStep
{
    // Per step at StepActivity 1 (the first four scale with it): the chance a patient has a visit, that a Condition is
    // drawn to be resolved (if still active) or is updated then deleted, that an Observation is deleted, and that a
    // deleted Observation comes back.
    private const double VisitRate = 0.1;
    private const double ResolveRate = 0.05;
    private const double ConditionDeleteRate = 0.01;
    private const double ObservationDeleteRate = 0.01;
    private const double RecreateRate = 0.5;
    private const string ConditionClinical = "http://terminology.hl7.org/CodeSystem/condition-clinical";

    private readonly ResourceStore _previous;
    private readonly Timeline _timeline;
    private readonly int _step;
    private readonly DeterministicRandom _random;
    private readonly DateTimeOffset _from;
    private readonly DateTimeOffset _until;
    private readonly Dictionary<string, NdjsonTypeWriter> _writers = new(StringComparer.Ordinal);
    private readonly NdjsonTypeWriter _deleted;
    private readonly string _folder;
    private readonly CancellationToken _cancellationToken;

    private PopulationStep(ResourceStore previous, Timeline timeline, int step, string folder, CancellationToken cancellationToken)
    {
        _previous = previous;
        _timeline = timeline;
        _step = step;
        _folder = folder;
        _cancellationToken = cancellationToken;
        _random = DeterministicRandom.For(timeline.Population.Seed, "step", step);

        // Strictly inside the window: the transactionTime of an export between steps is its end, and _since is exclusive.
        _from = timeline.WindowStart(step).AddSeconds(1);
        _until = timeline.WindowEnd(step).AddSeconds(-1);
        _deleted = new NdjsonTypeWriter(Path.Combine(folder, GeneratedData.DeletedFolder), "Bundle", 0);
    }

    /// <summary>New patients step <paramref name="step"/> adds: one or two, drawn from a stream of their own so counting them needs no step generated.</summary>
    public static int NewPatients(int seed, int step) => DeterministicRandom.For(seed, "step-new-patients", step).Next(1, 3);

    /// <summary>Patients (indices 0..n-1) after <paramref name="steps"/> steps.</summary>
    public static int PatientsAfter(PopulationOptions population, int steps) =>
        population.Patients + Enumerable.Range(1, steps).Sum(step => NewPatients(population.Seed, step));

    /// <summary>Writes step <c>previous.Timeline.Steps + 1</c> of <paramref name="previous"/>'s folder; the step folder appears whole or not at all.</summary>
    public static async Task WriteAsync(ResourceStore previous, CancellationToken cancellationToken)
    {
        var timeline = previous.Timeline ?? throw new InvalidOperationException($"{previous.Directory} has no timeline.");
        var step = timeline.Steps + 1;
        var folder = Timeline.StepFolder(previous.Directory, step);
        var partial = folder + ".partial";
        if (Directory.Exists(partial))
        {
            Directory.Delete(partial, recursive: true);
        }

        Directory.CreateDirectory(partial);
        var writer = new PopulationStep(previous, timeline, step, partial, cancellationToken);
        try
        {
            await writer.RunAsync();
        }
        finally
        {
            foreach (var typeWriter in writer._writers.Values)
            {
                await typeWriter.DisposeAsync();
            }

            await writer._deleted.DisposeAsync();
        }

        Directory.Move(partial, folder);
    }

    private NdjsonTypeWriter Writer(string type)
    {
        if (!_writers.TryGetValue(type, out var writer))
        {
            _writers[type] = writer = new NdjsonTypeWriter(_folder, type, 0);
        }

        return writer;
    }

    private async Task RunAsync()
    {
        await ChangeConditionsAsync();
        await ChangeObservationsAsync();
        var population = _timeline.Population;
        var before = PatientsAfter(population, _step - 1);
        var visits = PopulationContext.Create(population, Writer, _deleted, population.ReferenceDate, (_from, _until));
        for (var index = 0; index < before; index++)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            if (_random.Chance(Scaled(VisitRate)))
            {
                var events = DeterministicRandom.For(population.Seed, "step-visit-" + _step.ToString(CultureInfo.InvariantCulture), index);
                var context = index < population.Patients ? visits : PopulationContext.Create(population, Writer, _deleted, JoinedAt(index), (_from, _until));
                await PatientHistory.WriteVisitAsync(context, index, At(), events, _cancellationToken);
            }
        }

        // New patients are recorded in this step: their history reaches back years, but every record of it is new here.
        var arrivals = PopulationContext.Create(population, Writer, _deleted, _timeline.WindowEnd(_step), (_from, _until));
        var groups = PatientGroups.GroupCount(population.Patients);
        var joins = new List<(string Patient, int Group)>();
        for (var index = before; index < before + NewPatients(population.Seed, _step); index++)
        {
            await PatientHistory.WriteAsync(arrivals, index, _cancellationToken);
            joins.Add((arrivals.PatientId(index), arrivals.GroupOf(index, groups)));
        }

        await ChangeGroupsAsync(groups, joins);
    }

    /// <summary>The reference date patient <paramref name="index"/> was generated with: the population's, or the end of the step it arrived in.</summary>
    private DateTimeOffset JoinedAt(int index)
    {
        var step = 1;
        while (PatientsAfter(_timeline.Population, step) <= index)
        {
            step++;
        }

        return _timeline.WindowEnd(step);
    }

    private async Task ChangeConditionsAsync()
    {
        foreach (var (id, line) in _previous.CurrentLines("Condition"))
        {
            _cancellationToken.ThrowIfCancellationRequested();
            if (_random.Chance(Scaled(ResolveRate)))
            {
                var condition = Parse(line);
                if ((string?)condition["clinicalStatus"]?["coding"]?[0]?["code"] == "active")
                {
                    var resolved = At();
                    condition["clinicalStatus"] = new JsonObject { ["coding"] = new JsonArray(new JsonObject { ["system"] = ConditionClinical, ["code"] = "resolved" }) };
                    condition["abatementDateTime"] = FhirJsonWriterExtensions.FormatDateTime(resolved);
                    await Writer("Condition").WriteResourceAsync(NewVersion(condition, 1, resolved), _cancellationToken);
                }
            }
            else if (_random.Chance(Scaled(ConditionDeleteRate)) && ResourceHeader.Read(line.Span, HeaderFields.Patient).PatientId is { } patient)
            {
                // Updated and then deleted within the step: its current state is deleted, so only the deletion is kept.
                var (_, deletedAt) = TwoInstants();
                await DeleteAsync("Condition", id, patient, deletedAt);
            }
        }
    }

    private async Task ChangeObservationsAsync()
    {
        foreach (var (id, line) in _previous.CurrentLines("Observation"))
        {
            _cancellationToken.ThrowIfCancellationRequested();
            if (!_random.Chance(Scaled(ObservationDeleteRate)) || ResourceHeader.Read(line.Span, HeaderFields.Patient).PatientId is not { } patient)
            {
                continue;
            }

            var (deletedAt, recreatedAt) = TwoInstants();
            await DeleteAsync("Observation", id, patient, deletedAt);
            if (_random.Chance(RecreateRate))
            {
                // Re-created with the same id after its deletion; FHIR history counts the deletion as a version.
                var observation = Parse(line);
                observation["status"] = "amended";
                await Writer("Observation").WriteResourceAsync(NewVersion(observation, 2, recreatedAt), _cancellationToken);
            }
        }
    }

    /// <summary>
    /// A patient moves: their membership of one Group is ended (<c>inactive</c>, <c>period.end</c>) and one of another
    /// begins (<c>period.start</c>); the new patients join theirs. Changed Groups get a new version.
    /// </summary>
    private async Task ChangeGroupsAsync(int groups, List<(string Patient, int Group)> joins)
    {
        var ids = PatientGroups.Ids(_timeline.Population.Seed, groups);
        var current = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var (id, line) in _previous.CurrentLines("Group"))
        {
            current[id] = Parse(line);
        }

        var changedAt = new DateTimeOffset?[groups];
        var leave = _random.Next(0, groups);
        var join = (leave + _random.Next(1, Math.Max(2, groups))) % groups;
        if (groups >= 2 && current.TryGetValue(ids[leave], out var from) && current.TryGetValue(ids[join], out var to)
            && ActiveMembers(from) is { Count: >= 2 } members)
        {
            var member = members[_random.Next(0, members.Count)];
            var moved = At();
            member["inactive"] = true;
            if (member["period"] is not JsonObject period)
            {
                member["period"] = period = [];
            }

            period["end"] = FhirJsonWriterExtensions.FormatDateTime(moved);
            AddMember(to, (string)member["entity"]!["reference"]!, moved);
            changedAt[leave] = moved;
            changedAt[join] = moved;
        }

        foreach (var (patient, group) in joins)
        {
            if (current.TryGetValue(ids[group], out var target))
            {
                var joined = At();
                AddMember(target, "Patient/" + patient, joined);
                changedAt[group] = Later(changedAt[group], joined);
            }
        }

        for (var group = 0; group < groups; group++)
        {
            if (changedAt[group] is { } at)
            {
                var resource = current[ids[group]];
                resource["quantity"] = ActiveMembers(resource).Count;
                await Writer("Group").WriteResourceAsync(NewVersion(resource, 1, at), _cancellationToken);
            }
        }
    }

    private double Scaled(double rate) => Math.Min(1, rate * _timeline.Population.StepActivity);

    private static DateTimeOffset Later(DateTimeOffset? a, DateTimeOffset b) => a is { } value && value > b ? value : b;

    private static List<JsonObject> ActiveMembers(JsonObject group) =>
        [.. (group["member"] as JsonArray ?? []).OfType<JsonObject>().Where(m => m["inactive"] is null && m["period"]?["end"] is null)];

    private static void AddMember(JsonObject group, string patientReference, DateTimeOffset joined)
    {
        if (group["member"] is not JsonArray members)
        {
            group["member"] = members = [];
        }

        // As a JsonNode: given a JsonObject, Add would be the generic Add<T>, which may need reflection and so cannot be
        // trusted under Native AOT.
        members.Add((JsonNode)new JsonObject
        {
            ["entity"] = new JsonObject { ["reference"] = patientReference },
            ["period"] = new JsonObject { ["start"] = FhirJsonWriterExtensions.FormatDateTime(joined) },
        });
    }

    private async Task DeleteAsync(string type, string id, string patient, DateTimeOffset deletedAt)
    {
        _deleted.BeginDeletion(_random.NextUuid(), deletedAt, type, id, patient);
        await _deleted.EndResourceAsync(_cancellationToken);
    }

    /// <summary>The resource with its version advanced by <paramref name="versions"/> (a resource never versioned is version 1) and updated at <paramref name="at"/>.</summary>
    private static JsonObject NewVersion(JsonObject resource, int versions, DateTimeOffset at)
    {
        var version = int.TryParse((string?)resource["meta"]?["versionId"], NumberStyles.None, CultureInfo.InvariantCulture, out var current) ? current : 1;
        resource["meta"] = new JsonObject
        {
            ["versionId"] = (version + versions).ToString(CultureInfo.InvariantCulture),
            ["lastUpdated"] = FhirJsonWriterExtensions.FormatInstant(at),
        };
        return resource;
    }

    private static JsonObject Parse(ReadOnlyMemory<byte> line) => (JsonObject)JsonNode.Parse(line.Span)!;

    /// <summary>An instant in the step's window, to the second.</summary>
    private DateTimeOffset At() => _from.AddSeconds(_random.Next(0, (int)(_until - _from).TotalSeconds + 1));

    /// <summary>Two instants in the step's window, the second strictly later.</summary>
    private (DateTimeOffset First, DateTimeOffset Second) TwoInstants()
    {
        var span = (int)(_until - _from).TotalSeconds;
        var first = _from.AddSeconds(_random.Next(0, span));
        return (first, first.AddSeconds(_random.Next(1, (int)(_until - first).TotalSeconds + 1)));
    }
}
