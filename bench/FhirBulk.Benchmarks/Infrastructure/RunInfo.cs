using System.Globalization;

namespace FhirBulk.Benchmarks.Infrastructure;

/// <summary>What results files state about a run (the commit measured) and how they print the figures children report.</summary>
internal static class RunInfo
{
    /// <summary>The key=value lines a child printed (<see cref="PeakMemory.Report"/>), as numbers.</summary>
    public static Dictionary<string, double> ParseValues(string stdout) => stdout.Split('\n')
        .Select(l => l.Split('=', 2)).Where(p => p.Length == 2)
        .ToDictionary(p => p[0].Trim(), p => double.Parse(p[1].Trim(), CultureInfo.InvariantCulture), StringComparer.Ordinal);

    /// <summary>A ratio, or a dash when its denominator was below what <c>/usr/bin/time</c> resolves (10 ms) or missing.</summary>
    public static string Ratio(double ratio) => double.IsFinite(ratio) ? ratio.ToString("F2", CultureInfo.InvariantCulture) + "×" : "—";

    /// <summary>The short commit the CLI was built from, and whether src/ had uncommitted changes.</summary>
    public static string GitCommit()
    {
        try
        {
            var start = new System.Diagnostics.ProcessStartInfo("git", ["-C", RepositoryRoot.Path, "rev-parse", "--short", "HEAD"]) { RedirectStandardOutput = true };
            using var git = System.Diagnostics.Process.Start(start)!;
            var commit = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit();
            var dirty = new System.Diagnostics.ProcessStartInfo("git", ["-C", RepositoryRoot.Path, "status", "--porcelain", "--", "src"]) { RedirectStandardOutput = true };
            using var status = System.Diagnostics.Process.Start(dirty)!;
            var changes = status.StandardOutput.ReadToEnd().Trim();
            status.WaitForExit();
            return changes.Length == 0 ? $"`{commit}`" : $"`{commit}` with uncommitted changes under src/";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "(git not found)";
        }
    }
}
