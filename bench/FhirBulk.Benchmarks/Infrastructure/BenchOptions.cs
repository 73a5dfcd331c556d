using System.Globalization;

namespace FhirBulk.Benchmarks.Infrastructure;

/// <summary>Command-line settings shared by all benchmarks; every size is configurable so results say what was run.</summary>
internal sealed class BenchOptions
{
    /// <summary>Export size for the download benchmark (the larger of its two memory sizes) and for verify (1000 unless given).</summary>
    public int SizeMb { get; set; } = 2000;

    /// <summary>Synthea-shaped NDJSON for the views throughput comparison.</summary>
    public int ViewsMb { get; set; } = 300;

    /// <summary>The two input sizes for the views memory-flat measurement.</summary>
    public int[] MemoryMb { get; set; } = [250, 1000];

    /// <summary>Population behind the file-serving comparison (its Observation file is what is served).</summary>
    public int ServeMb { get; set; } = 600;

    /// <summary>Interleaved rounds per comparison; medians are reported.</summary>
    public int Rounds { get; set; } = 3;

    /// <summary>Where the markdown results go; null picks docs/benchmarks/&lt;command&gt;.md under the repository root.</summary>
    public string? Out { get; set; }

    public static BenchOptions Parse(string[] args, out string command)
    {
        command = "all";
        var options = new BenchOptions();
        var sizeGiven = false;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{arg} needs a value.");
            int NextInt() => int.Parse(Next(), CultureInfo.InvariantCulture);
            switch (arg)
            {
                case "--size-mb": options.SizeMb = NextInt(); sizeGiven = true; break;
                case "--views-mb": options.ViewsMb = NextInt(); break;
                case "--serve-mb": options.ServeMb = NextInt(); break;
                case "--memory-mb": options.MemoryMb = [.. Next().Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))]; break;
                case "--rounds": options.Rounds = NextInt(); break;
                case "--out": options.Out = Next(); break;
                case "server" or "download" or "bandwidth" or "views" or "verify" or "all": command = arg; break;
                default: throw new ArgumentException($"Unknown argument '{arg}'. Usage: server|download|bandwidth|views|verify|all [--size-mb N] [--views-mb N] [--serve-mb N] [--memory-mb A,B] [--rounds N] [--out FILE]");
            }
        }

        if (command == "verify" && !sizeGiven)
        {
            // About 1 GB: large enough that process start is a small share, small enough for a few rounds on a shared machine.
            options.SizeMb = 1000;
        }

        return options;
    }

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"--size-mb {SizeMb} --views-mb {ViewsMb} --serve-mb {ServeMb} --memory-mb {string.Join(',', MemoryMb)} --rounds {Rounds}");
}
