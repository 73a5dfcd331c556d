using FhirBulk.Server.Data;
using FhirBulk.Server.Data.Generation;

namespace FhirBulk.Server;

/// <summary>
/// Writes a deterministic, Synthea-like synthetic population as NDJSON per resource type. It streams:
/// one patient is generated at a time, so memory does not grow with the population.
/// </summary>
public static class PopulationGenerator
{
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

        var deleted = new NdjsonTypeWriter(outputDirectory, "Bundle", options.ResourcesPerFile, GeneratedData.DeletedFilePrefix);
        try
        {
            var context = new PopulationContext
            {
                Seed = options.Seed,
                ReferenceDate = options.ReferenceDate,
                HistoryYears = options.HistoryYears,
                DeletedRate = options.DeletedRate,
                Organizations = CareProviders.Organizations(options.Seed, Math.Clamp(options.Patients / 50, 1, 200)),
                Practitioners = CareProviders.Practitioners(options.Seed, Math.Clamp(options.Patients / 20, 2, 1000), Math.Clamp(options.Patients / 50, 1, 200)),
                Writer = type => writers[type],
                Deleted = deleted,
            };

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
            [.. writers.Values.SelectMany(w => w.Files), .. deleted.Files],
            writers.Values.Sum(w => w.Bytes) + deleted.Bytes);
    }
}
