namespace FhirBulk.Server.Data.Generation;

/// <summary>What every patient's history shares: the seed, the clock, the care providers and the open writers.</summary>
internal sealed class PopulationContext
{
    public required int Seed { get; init; }

    public required DateTimeOffset ReferenceDate { get; init; }

    public required int HistoryYears { get; init; }

    public required double DeletedRate { get; init; }

    /// <summary>
    /// Where <c>meta.lastUpdated</c> and deletion times may fall: up to <see cref="ReferenceDate"/> for the initial
    /// population; inside one step's window for the changes of that step, so a <c>_since</c> export finds them.
    /// </summary>
    public required (DateTimeOffset From, DateTimeOffset Until) Changes { get; init; }

    public required IReadOnlyList<(string Id, string Name)> Organizations { get; init; }

    public required IReadOnlyList<(string Id, string Name, int Organization)> Practitioners { get; init; }

    public required Func<string, NdjsonTypeWriter> Writer { get; init; }

    public required NdjsonTypeWriter Deleted { get; init; }

    /// <summary>A context for <paramref name="options"/>' population; the care providers depend on its seed and size only.</summary>
    public static PopulationContext Create(PopulationOptions options, Func<string, NdjsonTypeWriter> writer, NdjsonTypeWriter deleted, DateTimeOffset referenceDate, (DateTimeOffset From, DateTimeOffset Until) changes) => new()
    {
        Seed = options.Seed,
        ReferenceDate = referenceDate,
        HistoryYears = options.HistoryYears,
        DeletedRate = options.DeletedRate,
        Changes = changes,
        Organizations = CareProviders.Organizations(options.Seed, Math.Clamp(options.Patients / 50, 1, 200)),
        Practitioners = CareProviders.Practitioners(options.Seed, Math.Clamp(options.Patients / 20, 2, 1000), Math.Clamp(options.Patients / 50, 1, 200)),
        Writer = writer,
        Deleted = deleted,
    };

    /// <summary>The Patient id of patient <paramref name="index"/>, derivable without generating the patient (Groups need it).</summary>
    public string PatientId(int index) => DeterministicRandom.For(Seed, "patient-id", index).NextUuid();

    /// <summary>The Group a patient belongs to, also derivable on its own.</summary>
    public int GroupOf(int index, int groups)
    {
        // Skewed like payer market shares: the first groups are the largest.
        var draw = DeterministicRandom.For(Seed, "group", index).NextDouble();
        return Math.Min(groups - 1, (int)(groups * draw * draw));
    }
}
