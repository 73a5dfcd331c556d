using FhirBulk.Server.Data;
using FhirBulk.Server.Data.Generation;

namespace FhirBulk.Server;

/// <summary>
/// Writes a deterministic, Synthea-like synthetic population as NDJSON per resource type. It streams:
/// one patient is generated at a time, so memory does not grow with the population.
/// </summary>
public static class PopulationGenerator
{
    /// <summary>The folder beside the data that <see cref="AdvanceAsync"/> writes its steps into (<c>steps/NNNN/</c>, <c>steps/timeline.json</c>).</summary>
    public const string StepsFolder = Timeline.Folder;

    /// <summary>Resource types the generator writes.</summary>
    public static IReadOnlyList<string> ResourceTypes { get; } =
        ["Organization", "Practitioner", "Patient", "Encounter", "Condition", "Observation", "Immunization", "MedicationRequest", "Procedure", "AllergyIntolerance", "Group"];

    /// <summary>Generates <paramref name="patients"/> patients for <paramref name="seed"/> into <paramref name="outputDirectory"/>.</summary>
    /// <param name="outputDirectory">Folder to write to; created when missing.</param>
    /// <param name="patients">Number of patients.</param>
    /// <param name="seed">Seed; the same seed gives byte-identical files.</param>
    /// <param name="cancellationToken">Cancels generation.</param>
    /// <returns>Counts and file names.</returns>
    public static Task<PopulationSummary> GenerateAsync(string outputDirectory, int patients, int seed, CancellationToken cancellationToken = default) =>
        GenerateAsync(outputDirectory, new PopulationOptions { Patients = patients, Seed = seed }, cancellationToken);

    /// <summary>Generates a population described by <paramref name="options"/> into <paramref name="outputDirectory"/>.</summary>
    /// <param name="outputDirectory">Folder to write to; created when missing.</param>
    /// <param name="options">Population size, seed, file split and dates.</param>
    /// <param name="cancellationToken">Cancels generation.</param>
    /// <returns>Counts and file names.</returns>
    public static async Task<PopulationSummary> GenerateAsync(string outputDirectory, PopulationOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputDirectory);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Directory.CreateDirectory(outputDirectory);

        var writers = new Dictionary<string, NdjsonTypeWriter>(StringComparer.Ordinal);
        foreach (var type in ResourceTypes)
        {
            writers[type] = new NdjsonTypeWriter(outputDirectory, type, options.ResourcesPerFile);
        }

        var deleted = new NdjsonTypeWriter(Path.Combine(outputDirectory, GeneratedData.DeletedFolder), "Bundle", options.ResourcesPerFile);
        try
        {
            var context = PopulationContext.Create(options, type => writers[type], deleted, options.ReferenceDate, (DateTimeOffset.MinValue, options.ReferenceDate));

            await CareProviders.WriteAsync(context, writers["Organization"], writers["Practitioner"], cancellationToken);
            for (var index = 0; index < options.Patients; index++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await PatientHistory.WriteAsync(context, index, cancellationToken);
            }

            await PatientGroups.WriteAsync(context, writers["Group"], options.Patients, cancellationToken);
        }
        finally
        {
            foreach (var writer in writers.Values)
            {
                await writer.DisposeAsync();
            }

            await deleted.DisposeAsync();
        }

        return new PopulationSummary(
            writers.Where(w => w.Value.Count > 0).ToDictionary(w => w.Key, w => w.Value.Count, StringComparer.Ordinal),
            deleted.Count,
            [.. writers.Values.SelectMany(w => w.Files), .. deleted.Files.Select(f => $"{GeneratedData.DeletedFolder}/{f}")],
            writers.Values.Sum(w => w.Bytes) + deleted.Bytes);
    }

    /// <summary>
    /// Plays <paramref name="steps"/> more steps of simulated change on a population folder: each step is one
    /// <see cref="PopulationOptions.StepLength"/> of new visits, resolved Conditions, deletions (some followed by a
    /// re-creation with the same id), a patient moving between Groups and new patients joining one, written to
    /// <c>steps/NNNN/</c> beside the data with every change stamped inside the step's window. The same seed and steps
    /// give byte-identical files; a server serving the folder reports the data's time after the last step as the
    /// <c>transactionTime</c> of its exports.
    /// </summary>
    /// <param name="outputDirectory">A folder <see cref="GenerateAsync(string, PopulationOptions, CancellationToken)"/> wrote.</param>
    /// <param name="options">The options the folder was generated with; a folder that already advanced must have had the same.</param>
    /// <param name="steps">Steps to play; 0 only starts the folder's timeline.</param>
    /// <param name="cancellationToken">Cancels between steps and within one (a step is written whole or not at all).</param>
    /// <returns>The steps the folder has taken in all.</returns>
    public static async Task<int> AdvanceAsync(string outputDirectory, PopulationOptions options, int steps, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputDirectory);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        options.Validate();
        var timeline = Timeline.Read(outputDirectory);
        if (timeline is null)
        {
            new Timeline(options, 0).Write(outputDirectory);
        }
        else if (!SamePopulation(timeline.Population, options))
        {
            throw new ArgumentException($"{outputDirectory} advanced as another population (seed {timeline.Population.Seed}, {timeline.Population.Patients} patients, reference date {timeline.Population.ReferenceDate:O}).", nameof(options));
        }

        for (var step = 0; step < steps; step++)
        {
            await PopulationStep.WriteAsync(new ResourceStore(outputDirectory), cancellationToken);
        }

        return Timeline.Read(outputDirectory)!.Steps;
    }

    private static bool SamePopulation(PopulationOptions a, PopulationOptions b) =>
        a.Patients == b.Patients && a.Seed == b.Seed && a.ReferenceDate == b.ReferenceDate && a.HistoryYears == b.HistoryYears
        && a.DeletedRate.Equals(b.DeletedRate) && a.StepLength == b.StepLength && a.StepActivity.Equals(b.StepActivity);
}
