using System.Globalization;
using System.Runtime.InteropServices;

namespace FhirBulk.Benchmarks.Infrastructure;

/// <summary>What the figures were measured on; the load average matters here because the machines are shared.</summary>
internal static class Machine
{
    public static string Describe()
    {
        var cpu = ReadField("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString();
        var memKb = ReadField("/proc/meminfo", "MemTotal")?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
        var ramGb = memKb is null ? "?" : (long.Parse(memKb, CultureInfo.InvariantCulture) / 1024.0 / 1024.0).ToString("F1", CultureInfo.InvariantCulture);
        return $"{cpu}, {Environment.ProcessorCount} cores, {ramGb} GB RAM, {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}, " +
            $"server GC={System.Runtime.GCSettings.IsServerGC}, load average at start {LoadAverage()}";
    }

    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    private static string? ReadField(string file, string name)
    {
        if (!File.Exists(file))
        {
            return null;
        }

        foreach (var line in File.ReadLines(file))
        {
            if (line.StartsWith(name, StringComparison.Ordinal) && line.IndexOf(':', StringComparison.Ordinal) is var colon and > 0)
            {
                return line[(colon + 1)..].Trim();
            }
        }

        return null;
    }
}
