using System.Diagnostics;
using System.Globalization;

namespace FhirBulk.Benchmarks.Infrastructure;

/// <summary>
/// Peak resident memory of a measured step, taken as the kernel's high-water mark (VmHWM) of a
/// child process that runs only that step, so nothing the parent did (data generation, servers)
/// counts against it.
/// </summary>
internal static class PeakMemory
{
    public const string ChildFlag = "--child";

    /// <summary>The child's own VmHWM in MB, read from /proc/self/status (printed as its last line).</summary>
    public static double SelfPeakMb()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                var kb = long.Parse(line[6..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                return kb / 1024.0;
            }
        }

        return double.NaN;
    }

    /// <summary>CPU seconds (user + system, all threads) this process has used so far.</summary>
    public static double CpuSeconds()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
    }

    /// <summary>Runs this program with <c>--child args…</c> and returns the key=value pairs it printed.</summary>
    public static async Task<Dictionary<string, string>> RunChildAsync(params string[] args)
    {
        var (program, arguments) = ChildCommand(args);
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in arguments)
        {
            start.ArgumentList.Add(arg);
        }

        // Same GC settings as a normal run of the tool (workstation, concurrent).
        using var child = Process.Start(start)!;
        var stdout = child.StandardOutput.ReadToEndAsync();
        var stderr = child.StandardError.ReadToEndAsync();
        await child.WaitForExitAsync();
        if (child.ExitCode != 0)
        {
            throw new InvalidOperationException($"Child '{string.Join(' ', args)}' failed ({child.ExitCode}): {await stderr}{await stdout}");
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in (await stdout).Split('\n'))
        {
            if (line.Split('=', 2) is [var key, var value])
            {
                values[key.Trim()] = value.Trim();
            }
        }

        return values;
    }

    /// <summary>The program and arguments that run this benchmark app as a child doing <paramref name="args"/>.</summary>
    public static (string Program, IReadOnlyList<string> Arguments) ChildCommand(params string[] args)
    {
        var arguments = new List<string>();
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            // Started as `dotnet FhirBulk.Benchmarks.dll` rather than through the apphost.
            arguments.Add(typeof(PeakMemory).Assembly.Location);
        }

        arguments.Add(ChildFlag);
        arguments.AddRange(args);
        return (Environment.ProcessPath!, arguments);
    }

    public static void Report(string key, double value) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{key}={value:R}"));
}
