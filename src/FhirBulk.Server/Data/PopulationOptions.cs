namespace FhirBulk.Server;

/// <summary>Options for <see cref="PopulationGenerator"/>.</summary>
public sealed class PopulationOptions
{
    /// <summary>Number of patients.</summary>
    /// <value>The default value is 100.</value>
    public int Patients { get; set; } = ServerDefaults.Patients;

    /// <summary>Seed; the same seed and options give byte-identical files.</summary>
    /// <value>The default value is 0.</value>
    public int Seed { get; set; }

    /// <summary>Resources per file before a type's file is split (<c>Type.000.ndjson</c>, <c>Type.001.ndjson</c>, …); 0 never splits.</summary>
    /// <value>The default value is 0.</value>
    public int ResourcesPerFile { get; set; }

    /// <summary>The generated world's "now": histories end here and nothing is updated later.</summary>
    /// <value>The default value is 2026-01-01T00:00:00Z.</value>
    public DateTimeOffset ReferenceDate { get; set; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Years of history per patient (or since birth when younger).</summary>
    /// <value>The default value is 10.</value>
    public int HistoryYears { get; set; } = 10;

    /// <summary>Share of Conditions, Observations, MedicationRequests, Procedures and Immunizations that were deleted after being recorded.</summary>
    /// <value>The default value is 0.01.</value>
    public double DeletedRate { get; set; } = 0.01;

    /// <summary>Simulated time one step of <see cref="PopulationGenerator.AdvanceAsync"/> covers; every change of a step is stamped inside it.</summary>
    /// <value>The default value is 7 days.</value>
    public TimeSpan StepLength { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How much of the population one step changes, as a multiple of the default mix: the chances of a patient's visit, of a
    /// Condition resolved or deleted and of an Observation deleted are multiplied by it (the one or two new patients per step
    /// are not). 0.5 touches about half as many resources; the same value, seed and steps still give the same bytes.
    /// </summary>
    /// <value>The default value is 1.</value>
    public double StepActivity { get; set; } = 1;

    internal void Validate()
    {
        if (Patients < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Patients), Patients, "At least one patient is needed.");
        }

        if (ResourcesPerFile < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(ResourcesPerFile), ResourcesPerFile, "Must be 0 or positive.");
        }

        if (HistoryYears is < 1 or > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(HistoryYears), HistoryYears, "Must be 1..100.");
        }

        if (DeletedRate is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(DeletedRate), DeletedRate, "Must be in [0, 1].");
        }

        if (StepActivity is < 0 or > 100 || double.IsNaN(StepActivity))
        {
            throw new ArgumentOutOfRangeException(nameof(StepActivity), StepActivity, "Must be in [0, 100].");
        }

        // Changes are stamped to the second, at least a second inside their step's window.
        if (StepLength < TimeSpan.FromMinutes(1) || StepLength.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(StepLength), StepLength, "Must be whole seconds, at least one minute.");
        }
    }
}

/// <summary>What <see cref="PopulationGenerator"/> wrote.</summary>
/// <param name="ResourceCounts">Resources written per type (deleted ones excluded).</param>
/// <param name="DeletedCount">Resources recorded as deleted.</param>
/// <param name="Files">File names written, relative to the output folder.</param>
/// <param name="Bytes">Total bytes written.</param>
public sealed record PopulationSummary(IReadOnlyDictionary<string, long> ResourceCounts, long DeletedCount, IReadOnlyList<string> Files, long Bytes);
