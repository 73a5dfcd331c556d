using System.Diagnostics;
using System.Globalization;

namespace FhirBulk.Benchmarks.Infrastructure;

/// <summary>
/// Runs one whole process the way a user would start it and measures it from outside: wall time
/// (a stopwatch around it), and user + system CPU time and peak RSS of the process and everything
/// it waited for, as <c>/usr/bin/time</c> reports them (its rusage of the child), so a .NET tool, a
/// shell pipeline and a C program are measured alike, startup included.
/// </summary>
internal static class TimedProcess
{
    public const string TimeProgram = "/usr/bin/time";

    public sealed record Sample(double WallSeconds, double UserSeconds, double SystemSeconds, double PeakRssMb, int ExitCode, string Stdout, string Stderr)
    {
        public double CpuSeconds => UserSeconds + SystemSeconds;
    }

    public static bool Available => File.Exists(TimeProgram);

    /// <summary>Runs <paramref name="program"/> with <paramref name="arguments"/> under <c>/usr/bin/time</c>; stdout and stderr are captured.</summary>
    /// <param name="program">The program.</param>
    /// <param name="arguments">Its arguments.</param>
    /// <param name="environment">Variables set on top of the inherited environment: runtime knobs such as <c>DOTNET_TieredPGO</c>.</param>
    public static async Task<Sample> RunAsync(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var timings = Path.GetTempFileName();
        try
        {
            var start = new ProcessStartInfo(TimeProgram, ["-o", timings, "-f", "%e %U %S %M", program, .. arguments])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            {
                start.Environment[name] = value;
            }

            var watch = Stopwatch.StartNew();
            using var child = Process.Start(start)!;
            var stdout = child.StandardOutput.ReadToEndAsync();
            var stderr = child.StandardError.ReadToEndAsync();
            await child.WaitForExitAsync();
            var wall = watch.Elapsed.TotalSeconds;

            // The last line is ours; a line before it ("Command exited with non-zero status N") is time's own note.
            var fields = (await File.ReadAllLinesAsync(timings)).Last(l => l.Length > 0).Split(' ');
            double Field(int i) => double.Parse(fields[i], CultureInfo.InvariantCulture);
            return new Sample(wall, Field(1), Field(2), Field(3) / 1024.0, child.ExitCode, await stdout, await stderr);
        }
        finally
        {
            File.Delete(timings);
        }
    }

    /// <summary>Runs a shell command line (<c>sh -c</c>), with the extra arguments as <c>$1…</c>, so that redirections are the shell's.</summary>
    public static Task<Sample> ShellAsync(string script, IEnumerable<string> arguments) =>
        RunAsync("/bin/sh", ["-c", script, "sh", .. arguments]);
}
