using FhirBulk.Server;

namespace FhirBulk.Benchmarks.Infrastructure;

/// <summary>
/// Synthea-shaped NDJSON for the benchmarks, from the server's own deterministic population
/// generator, sized in MB rather than patients (the size is what throughput and memory depend on).
/// </summary>
internal static class Population
{
    private const int CalibrationPatients = 300;
    private static double? s_bytesPerPatient;

    public static async Task<double> BytesPerPatientAsync()
    {
        if (s_bytesPerPatient is { } known)
        {
            return known;
        }

        var dir = Directory.CreateTempSubdirectory("fhirbulk-bench-calibrate-").FullName;
        try
        {
            var summary = await PopulationGenerator.GenerateAsync(dir, CalibrationPatients, seed: 1);
            s_bytesPerPatient = summary.Bytes / (double)CalibrationPatients;
            return s_bytesPerPatient.Value;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    public static async Task<int> PatientsForAsync(int megabytes) =>
        Math.Max(1, (int)(megabytes * 1024.0 * 1024.0 / await BytesPerPatientAsync()));

    /// <summary>Writes about <paramref name="megabytes"/> MB of NDJSON per type into <paramref name="dir"/>.</summary>
    public static async Task<PopulationSummary> GenerateAsync(string dir, int megabytes, int resourcesPerFile = 0)
    {
        var patients = await PatientsForAsync(megabytes);
        return await PopulationGenerator.GenerateAsync(dir, new PopulationOptions { Patients = patients, Seed = 7, ResourcesPerFile = resourcesPerFile });
    }

    public static string TempDir(string purpose) => Directory.CreateTempSubdirectory($"fhirbulk-bench-{purpose}-").FullName;
}
