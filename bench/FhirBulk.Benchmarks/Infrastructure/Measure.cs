namespace FhirBulk.Benchmarks.Infrastructure;

/// <summary>
/// Runs competing variants in interleaved rounds (A B C, B C A, …) so that load from other
/// processes on a shared machine hits all of them alike, and keeps every sample for a median.
/// </summary>
internal static class Measure
{
    public static async Task<Dictionary<string, List<double>>> InterleavedAsync(
        int rounds, IReadOnlyList<(string Name, Func<Task<double>> Run)> variants, Action<string>? log = null)
    {
        var samples = variants.ToDictionary(v => v.Name, _ => new List<double>());
        for (var round = 0; round < rounds; round++)
        {
            for (var k = 0; k < variants.Count; k++)
            {
                var (name, run) = variants[(k + round) % variants.Count];
                var value = await run();
                samples[name].Add(value);
                log?.Invoke($"  round {round + 1} {name}: {value:F1}");
            }
        }

        return samples;
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public static double Mb(long bytes) => bytes / 1024.0 / 1024.0;
}
