using System.Globalization;
using System.Text.RegularExpressions;
using FhirBulk.Benchmarks.Infrastructure;

namespace FhirBulk.Benchmarks.ViewsCold;

/// <summary>
/// Issue 11: the six shipped workshop views as a user runs them, every variant a whole cold process measured from
/// outside (<see cref="TimedProcess"/>: wall, user + system CPU, peak RSS) in interleaved rounds: <c>fhir-bulk view</c>
/// (the build output, the published ReadyToRun tool and the published Native AOT executable, each engine it offers, to CSV,
/// DuckDB and Parquet), DuckDB
/// <c>read_json</c> with declared and with detected columns, and a <c>JsonDocument</c> parse of every line. DuckDB's rows
/// are checked against ours value by value. Then start-up and the runtime's tiering knobs, and peak RSS, steady state and
/// allocation at 1×, 4× and 16× the input.
/// </summary>
internal static partial class ViewsColdBenchmark
{
    private const string Baseline = "duckdb-declared-1";
    private static readonly string[] Formats = ["csv", "duckdb", "parquet"];

    /// <summary>
    /// Runtime knobs compared on start-up and on a medium input (environment variables, which override the CLI's
    /// runtimeconfig, so one build serves all). The CLI turns dynamic PGO off, so <c>TieredPGO=1</c> is the runtime's default.
    /// </summary>
    private static readonly (string Name, Dictionary<string, string> Environment)[] Knobs =
    [
        ("defaults", []),
        ("TieredPGO=1", new() { ["DOTNET_TieredPGO"] = "1" }),
        ("TC_QuickJitForLoops=0", new() { ["DOTNET_TC_QuickJitForLoops"] = "0" }),
        ("TC_CallCountingDelayMs=0", new() { ["DOTNET_TC_CallCountingDelayMs"] = "0" }),
        ("TieredCompilation=0", new() { ["DOTNET_TieredCompilation"] = "0" }),
        ("ReadyToRun=0", new() { ["DOTNET_ReadyToRun"] = "0" }),
    ];

    /// <param name="Reference">Measured with the published CLIs into CSV only, and not in the scale series (<see cref="BenchOptions.ReferenceEngines"/>).</param>
    private sealed record Engine(string Name, string Label, string[] Arguments, bool Reference = false);

    private sealed record Variant(string Name, string Label, Func<string, Task<TimedProcess.Sample>> Run)
    {
        public string? Failure { get; set; }
    }

    public static async Task RunAsync(BenchOptions options, Report report)
    {
        report.Heading("Views, cold, as a user runs them (issue 11)");
        if (!TimedProcess.Available)
        {
            throw new InvalidOperationException($"{TimedProcess.TimeProgram} is needed to measure each process's CPU time (apt-get install time).");
        }

        var clis = FhirBulkCli.Present(options).ToList();
        var skipped = FhirBulkCli.Known(options).Where(c => !c.Exists).Select(c => c.MissingLine).ToList();

        var engines = new Dictionary<string, IReadOnlyList<Engine>>(StringComparer.Ordinal);
        foreach (var cli in clis)
        {
            engines[cli.Name] = await EnginesAsync(cli, options.Engines, options.ReferenceEngines, skipped);
        }

        var sqlPresent = File.Exists(ColdInputs.DuckDbSqlFile);
        if (!sqlPresent)
        {
            skipped.Add($"every DuckDB variant: {ColdInputs.DuckDbSqlFile} not found");
        }

        report.Line($"\nCLI commit {RunInfo.GitCommit()}; CLIs measured: {string.Join(", ", clis.Select(c => c.Described))}. " +
            $"Views: the six shipped `examples/workshop/views`. DuckDB: DuckDB.NET {typeof(DuckDB.NET.Data.DuckDBConnection).Assembly.GetName().Version} in a child process of this program " +
            $"(so its figures include a .NET runtime start, about 0.1 CPU-s) running `{Path.GetRelativePath(RepositoryRoot.Path, ColdInputs.DuckDbSqlFile)}` on an in-memory database.");
        report.Line("Every variant is a separate whole process started cold (runtime start included, and the JIT for the `dotnet` ones), measured from outside by " +
            $"`{TimedProcess.TimeProgram}`: wall, user + system CPU of the process and its children, peak RSS. Each input is linked into a folder holding only the six types' " +
            "NDJSON so every variant reads the same bytes; files are page-cached (one untimed run of every variant first), so the figures are CPU, not disk. " +
            "MB = 2^20 bytes of input NDJSON. Ratios are CPU-seconds ÷ the CPU-seconds of DuckDB with declared columns and `threads=1` on the same input in the same rounds.\n");
        foreach (var line in skipped)
        {
            report.Line($"- skipped: {line}");
        }

        foreach (var engine in options.ReferenceEngines.Where(options.Engines.Contains))
        {
            report.Line($"- limited: `--engine {engine}` (`--reference-engines`) is measured with the {string.Join(" and ", FhirBulkCli.Published(clis).Select(c => c.Label))} CLI into CSV only, and is left out of the 1×/4×/16× series and the knob runs.");
        }

        var types = ColdInputs.ViewTypes();
        var generated = Population.TempDir("views-cold-gen");
        try
        {
            var summary = await Population.GenerateAsync(generated, options.ViewsMb);
            var (folder, bytes) = ColdInputs.LinkTypes(generated, types, "views-cold-in");
            await DatasetAsync(options, report, $"Generated population ({summary.ResourceCounts["Patient"]:N0} patients, PopulationGenerator seed 7)", folder, bytes, clis, engines, sqlPresent, options.Rounds);
            var (fourfold, fourfoldBytes) = ColdInputs.LinkTypes(generated, types, "views-cold-in-4x", copies: 4);
            await CoresAsync(report, [("The generated population above", folder), ($"Four times it ({Measure.Mb(fourfoldBytes):N0} MB, each file linked four times)", fourfold)], clis, engines, options.Rounds);
            Directory.Delete(folder, recursive: true);
            Directory.Delete(fourfold, recursive: true);
        }
        finally
        {
            Directory.Delete(generated, recursive: true);
        }

        if (Directory.Exists(ColdInputs.SyntheaFolder))
        {
            var (folder, bytes) = ColdInputs.LinkTypes(ColdInputs.SyntheaFolder, types, "views-cold-synthea");
            await DatasetAsync(options, report, "Real Synthea export (../shared/fixtures/synthea-sample-10, 10 patients; no Observation file, so smoking_status is empty)", folder, bytes, clis, engines, sqlPresent, options.Rounds + 2);
            await StartupAsync(report, folder, clis, options.Rounds + 2);
            Directory.Delete(folder, recursive: true);
        }
        else
        {
            report.Line($"\nSkipped the real Synthea sample and the start-up comparison on it: {ColdInputs.SyntheaFolder} is absent.");
        }

        await ScaleAsync(options, report, types, clis, engines);
    }

    /// <summary>The engine variants a CLI offers: an <c>--engine</c> value it does not list in <c>view --help</c> is skipped with a reason.</summary>
    private static async Task<IReadOnlyList<Engine>> EnginesAsync(FhirBulkCli cli, string[] wanted, string[] reference, List<string> skipped)
    {
        var help = (await cli.RunAsync(["view", "--help"])).Stdout;
        var line = help.Split('\n').FirstOrDefault(l => l.Contains("--engine", StringComparison.Ordinal));
        if (line is null)
        {
            skipped.Add($"{cli.Name}: `--engine {string.Join('|', wanted)}` (this CLI has no --engine option: it has only the Firely path, measured as `default`)");
            return [new("default", "default (no `--engine`: the Firely path)", [])];
        }

        var defaultEngine = DefaultValue().Match(help[help.IndexOf("--engine", StringComparison.Ordinal)..]) is { Success: true } m ? m.Groups[1].Value : null;
        var offered = new List<Engine>();
        foreach (var name in wanted)
        {
            if (Regex.IsMatch(line, $@"\b{Regex.Escape(name)}\b"))
            {
                offered.Add(new(name, name == defaultEngine ? $"`--engine {name}` (the default)" : $"`--engine {name}`", ["--engine", name], reference.Contains(name)));
            }
            else
            {
                skipped.Add($"{cli.Name}: `--engine {name}` (not among the values this CLI offers: {line.Trim()})");
            }
        }

        return offered;
    }

    private static async Task DatasetAsync(BenchOptions options, Report report, string title, string folder, long bytes, IReadOnlyList<FhirBulkCli> clis,
        Dictionary<string, IReadOnlyList<Engine>> engines, bool sqlPresent, int rounds)
    {
        var work = Population.TempDir("views-cold-out");
        try
        {
            var variants = new List<Variant>();
            if (sqlPresent)
            {
                variants.Add(DuckDb(Baseline, "DuckDB `read_json`, declared columns, `threads=1`", folder, work, detect: false, threads: 1));
                variants.Add(DuckDb("duckdb-declared", $"DuckDB `read_json`, declared columns, default threads ({Environment.ProcessorCount})", folder, work, detect: false, threads: 0));
                variants.Add(DuckDb("duckdb-detected-1", "DuckDB `read_json`, detected columns, `threads=1`", folder, work, detect: true, threads: 1));
            }

            variants.Add(new("parse", "`JsonDocument.Parse` of every line (parse ceiling, one thread)", _ => Child(ColdChildren.ParseStep, folder)));
            foreach (var cli in clis)
            {
                variants.AddRange(ViewVariants(cli, engines[cli.Name].Where(e => !e.Reference), folder, $"{cli.Name}-", ""));
            }

            foreach (var cli in FhirBulkCli.Published(clis))
            {
                variants.AddRange(ViewVariants(cli, engines[cli.Name].Where(e => e.Reference), folder, $"{cli.Name}-", "", ["csv"]));
            }

            // One untimed pass: fills the page cache, loads every program from disk once, and gives the outputs the row check reads.
            var checks = new List<(string Variant, CsvCompare.Result Result)>();
            foreach (var variant in variants)
            {
                var sample = await RunAsync(variant, work);
                Console.WriteLine($"  warm-up {variant.Name}: {sample?.CpuSeconds:F2} CPU-s {variant.Failure}");
                if (sqlPresent && variant.Failure is null && variants[0].Failure is null && variant.Name.EndsWith("-csv", StringComparison.Ordinal))
                {
                    var duck = Path.Combine(work, Baseline);
                    foreach (var table in Directory.GetFiles(duck, "*.csv").Order(StringComparer.Ordinal))
                    {
                        var ours = Path.Combine(work, variant.Name, "views", Path.GetFileName(table));
                        checks.Add((variant.Name, File.Exists(ours)
                            ? CsvCompare.Compare(Path.GetFileNameWithoutExtension(table), ours, table)
                            : new CsvCompare.Result(Path.GetFileNameWithoutExtension(table), 0, 0, 0, 0, 0, 1, false, [$"{ours} was not written"])));
                    }
                }
            }

            var loadBefore = Machine.LoadAverage();
            var samples = await RoundsAsync(variants, work, rounds);
            var mb = Measure.Mb(bytes);
            report.Heading(title);
            report.Line(string.Create(CultureInfo.InvariantCulture,
                $"{mb:N1} MB of NDJSON in {Directory.GetFiles(folder).Length} files of the views' six types; {rounds} interleaved rounds, medians; load average {loadBefore} before the rounds, {Machine.LoadAverage()} after.\n"));
            double Cpu(string name) => Measure.Median(samples[name].Select(s => s.CpuSeconds));
            double Wall(string name) => Measure.Median(samples[name].Select(s => s.WallSeconds));
            var baseline = samples.TryGetValue(Baseline, out var b) && b.Count > 0 ? (Cpu: Cpu(Baseline), Wall: Wall(Baseline)) : (Cpu: double.NaN, Wall: double.NaN);
            report.Table(["variant", "wall s", "CPU s (user+sys)", "CPU s min–max", "MB per CPU-s", "MB/s wall", "CPU ÷ DuckDB declared threads=1", "wall ÷ DuckDB declared threads=1", "peak RSS MB"],
                variants.Select(v => samples[v.Name] is { Count: > 0 } s
                    ? new[]
                    {
                        v.Label, Report.F(Wall(v.Name), 2), Report.F(Cpu(v.Name), 2), $"{Report.F(s.Min(x => x.CpuSeconds), 2)}–{Report.F(s.Max(x => x.CpuSeconds), 2)}",
                        Rate(mb / Cpu(v.Name)), Rate(mb / Wall(v.Name)), RunInfo.Ratio(Cpu(v.Name) / baseline.Cpu), RunInfo.Ratio(Wall(v.Name) / baseline.Wall),
                        Report.F(Measure.Median(s.Select(x => x.PeakRssMb)), 0),
                    }
                    : [v.Label, "—", "—", "—", "—", "—", "—", "—", v.Failure ?? "no sample"]));
            var goal = FhirBulkCli.Published(clis)
                .Select(c => (Cli: c, Name: $"{c.Name}-{engines[c.Name].FirstOrDefault(e => !e.Reference)?.Name}-csv"))
                .Where(c => samples.TryGetValue(c.Name, out var s) && s.Count > 0)
                .Select(c => $"{c.Cli.Label} {RunInfo.Ratio(Cpu(c.Name) / baseline.Cpu)} CPU, {RunInfo.Ratio(Wall(c.Name) / baseline.Wall)} wall").ToList();
            if (goal.Count > 0)
            {
                report.Line($"\nThe published CLI into CSV (its first engine) against DuckDB declared `threads=1` (goal: CPU ≤ 1×): {string.Join("; ", goal)}.");
            }

            if (checks.Count > 0)
            {
                report.Line("\nRow check: each `fhir-bulk view` CSV against DuckDB's (declared columns), cell by cell in file order; " +
                    "\"format only\" = the same instant, number or boolean written differently; \"different\" = any other mismatch (a missing or extra row counts all its cells).\n");
                report.Table(["variant", "table", "rows ours", "rows DuckDB", "cells identical", "format only", "different", "order", "examples"],
                    checks.Select(c => new[]
                    {
                        c.Variant, c.Result.Table, c.Result.RowsA.ToString("N0", CultureInfo.InvariantCulture), c.Result.RowsB.ToString("N0", CultureInfo.InvariantCulture),
                        c.Result.Identical.ToString("N0", CultureInfo.InvariantCulture), c.Result.FormatOnly.ToString("N0", CultureInfo.InvariantCulture),
                        c.Result.Different.ToString("N0", CultureInfo.InvariantCulture), c.Result.OrderDiffers ? "differs (compared sorted)" : "same",
                        string.Join("; ", c.Result.Examples).Replace("|", "\\|", StringComparison.Ordinal),
                    }));
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>
    /// Both cores (issue 11 item 5): the same cold view, each published CLI's default engine into CSV, pinned with <c>taskset</c>
    /// to one core and to two, interleaved; what the second core buys is the ratio of the wall times. Measured on each of
    /// <paramref name="inputs"/>: the start-up (runtime, JIT, view compilation: about 0.3 s on one thread) is a fixed serial
    /// part, so a larger input shows what the second core buys on the reading and evaluating themselves.
    /// </summary>
    private static async Task CoresAsync(Report report, IReadOnlyList<(string Label, string Folder)> inputs, IReadOnlyList<FhirBulkCli> clis, Dictionary<string, IReadOnlyList<Engine>> engines, int rounds)
    {
        const string Taskset = "/usr/bin/taskset";
        report.Heading("One core against two");
        var measured = FhirBulkCli.Published(clis);
        if (Environment.ProcessorCount < 2 || !File.Exists(Taskset) || measured.Count == 0)
        {
            report.Line($"\nSkipped: needs two cores, {Taskset} (util-linux) and a built CLI.");
            return;
        }

        foreach (var (label, folder) in inputs)
        {
            var work = Population.TempDir("views-cold-cores");
            try
            {
                var variants = measured.SelectMany(cli => new[] { "0", "0,1" }.Select(cpus => (Cli: cli, Engine: engines[cli.Name].First(e => !e.Reference), Cpus: cpus)))
                    .Select(v => new Variant(
                        $"{v.Cli.Name} cores-{v.Cpus}",
                        $"`taskset -c {v.Cpus}` `fhir-bulk view` ({v.Cli.Label}), {v.Engine.Label}, csv",
                        dir => v.Cli.Prefixed([Taskset, "-c", v.Cpus], ["view", "--input", folder, "--view", ColdInputs.ViewsFolder, "--format", "csv", "--out", Path.Combine(dir, "views"), .. v.Engine.Arguments]))).ToList();
                if (File.Exists(ColdInputs.DuckDbSqlFile))
                {
                    variants.AddRange(MachineCeiling(Taskset, folder, work));
                }

                foreach (var variant in variants)
                {
                    await RunAsync(variant, work);
                }

                var loadBefore = Machine.LoadAverage();
                var samples = await RoundsAsync(variants, work, rounds);
                report.Line(string.Create(CultureInfo.InvariantCulture,
                    $"\n{label}; {rounds} interleaved rounds, medians; load average {loadBefore} before, {Machine.LoadAverage()} after. Goal: two cores at least 1.8× faster (wall) than one.\n"));
                report.Table(["variant", "wall s", "CPU s (user+sys)", "CPU s min–max", "peak RSS MB"], variants.Select(v => Row(v, samples[v.Name])));
                var speedups = measured.Where(c => samples[$"{c.Name} cores-0"].Count > 0 && samples[$"{c.Name} cores-0,1"].Count > 0)
                    .Select(c => string.Create(CultureInfo.InvariantCulture,
                        $"{c.Label} **{Measure.Median(samples[$"{c.Name} cores-0"].Select(x => x.WallSeconds)) / Measure.Median(samples[$"{c.Name} cores-0,1"].Select(x => x.WallSeconds)):F2}×**"))
                    .ToList();
                if (speedups.Count > 0)
                {
                    report.Line($"\nTwo cores against one, wall: {string.Join("; ", speedups)}.");
                }

                if (samples.TryGetValue("machine-alone", out var alone) && alone.Count > 0 && samples["machine-pair"].Count > 0)
                {
                    var ceiling = 2 * Measure.Median(alone.Select(x => x.WallSeconds)) / Measure.Median(samples["machine-pair"].Select(x => x.WallSeconds));
                    report.Line(string.Create(CultureInfo.InvariantCulture,
                        $"The machine in the same rounds: two copies of single-threaded DuckDB, one on each core, did **{ceiling:F2}×** the work per second of one copy alone (a machine whose two cores are whole gives 2.00×; nothing parallel can scale further here)."));
                }
            }
            finally
            {
                Directory.Delete(work, recursive: true);
            }
        }
    }

    /// <summary>
    /// What the machine's second core is worth while the view is measured: DuckDB with declared columns and one thread (the
    /// baseline, no shared state at all) alone on core 0, against two copies at once on cores 0 and 1. The host of these
    /// shared machines sometimes gives the two virtual cores much less than twice one core's speed; this ceiling, measured in
    /// the same rounds, says how much of a missed 1.8× is the machine's.
    /// </summary>
    private static IEnumerable<Variant> MachineCeiling(string taskset, string folder, string work)
    {
        string Sql(string name)
        {
            var sql = Path.Combine(work, name + ".sql");
            File.WriteAllText(sql, ColdInputs.DuckDbSql(folder, Directory.CreateDirectory(Path.Combine(work, name)).FullName, detectColumns: false));
            return sql;
        }

        var (program, arguments) = PeakMemory.ChildCommand(ColdChildren.DuckDbStep);
        var (first, second) = (Sql("machine-a"), Sql("machine-b"));
        yield return new Variant("machine-alone", "`taskset -c 0` one DuckDB declared `threads=1` (machine check)",
            _ => TimedProcess.RunAsync(taskset, ["-c", "0", program, .. arguments, first, "1"]));
        const string Pair = "\"$0\" -c 0 \"$@\" \"$A\" 1 & a=$!; \"$0\" -c 1 \"$@\" \"$B\" 1 & b=$!; wait $a || exit 1; wait $b";
        yield return new Variant("machine-pair", "two of them at once, `taskset -c 0` and `-c 1` (machine check; CPU of both)",
            _ => TimedProcess.RunAsync("/usr/bin/env", [$"A={first}", $"B={second}", "/bin/sh", "-c", Pair, taskset, program, .. arguments]));
    }

    /// <summary>Start-up: <c>--version</c> and one small view, each CLI under each runtime knob that applies to it, on the small real sample.</summary>
    private static async Task StartupAsync(Report report, string folder, IReadOnlyList<FhirBulkCli> clis, int rounds)
    {
        var work = Population.TempDir("views-cold-startup");
        try
        {
            var view = Path.Combine(ColdInputs.ViewsFolder, "patients.json");
            var variants = new List<Variant>();
            foreach (var cli in clis)
            {
                foreach (var (knob, environment) in KnobsFor(cli))
                {
                    variants.Add(new($"{cli.Name} {knob} --version", $"{cli.Label}, {knob}: `--version`", _ => cli.RunAsync(["--version"], environment)));
                    variants.Add(new($"{cli.Name} {knob} view", $"{cli.Label}, {knob}: `view` patients.json → CSV",
                        dir => cli.RunAsync(["view", "--input", folder, "--view", view, "--format", "csv", "--out", Path.Combine(dir, "patients.csv")], environment)));
                }
            }

            var samples = await RoundsAsync(variants, work, rounds);
            report.Heading("Start-up and runtime knobs, small input");
            report.Line($"{rounds} interleaved rounds, medians, on the Synthea sample above; `view` runs the one Patient view (the CLI's default engine) into CSV. " +
                $"Knobs are set as `DOTNET_*` environment variables on an otherwise identical process{NativeNote(clis, "measured with its defaults only")}.\n");
            report.Table(["variant", "wall s", "CPU s (user+sys)", "CPU s min–max", "peak RSS MB"], variants.Select(v => Row(v, samples[v.Name])));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>Peak RSS, CPU, steady state and allocation as the input grows 1×, 4×, 16× (the same files linked again).</summary>
    private static async Task ScaleAsync(BenchOptions options, Report report, IReadOnlyList<string> types, IReadOnlyList<FhirBulkCli> clis, Dictionary<string, IReadOnlyList<Engine>> engines)
    {
        var generated = Population.TempDir("views-cold-scale");
        var work = Population.TempDir("views-cold-scale-out");
        try
        {
            await Population.GenerateAsync(generated, options.ScaleMb);
            var measured = FhirBulkCli.Published(clis);
            var knobEngine = measured.Select(c => engines[c.Name].FirstOrDefault(e => !e.Reference)).LastOrDefault(e => e is not null);
            var rows = new List<string[]>();
            var knobRows = new List<string[]>();
            foreach (var copies in new[] { 1, 4, 16 })
            {
                var (folder, bytes) = ColdInputs.LinkTypes(generated, types, "views-cold-scale-in", copies);
                var mb = Measure.Mb(bytes);
                var variants = new List<Variant>();
                foreach (var cli in measured)
                {
                    variants.AddRange(ViewVariants(cli, engines[cli.Name].Where(e => !e.Reference), folder, $"{cli.Name}-", $"{copies}× ({mb:N0} MB): "));
                }

                var samples = await RoundsAsync(variants, work, rounds: 1);
                rows.AddRange(variants.Select(v => samples[v.Name] is { Count: > 0 } s
                    ? [v.Label, Report.F(s[0].WallSeconds, 2), Report.F(s[0].CpuSeconds, 2), Rate(mb / s[0].CpuSeconds), Report.F(s[0].PeakRssMb, 0)]
                    : new[] { v.Label, "—", "—", "—", v.Failure ?? "no sample" }));

                // In-process: the library (its default engine, all cores) run three times at 1× (the third is steady state), once at 4× and 16×.
                var runs = copies == 1 ? 3 : 1;
                var (program, arguments) = PeakMemory.ChildCommand(ColdChildren.WarmStep, folder, runs.ToString(CultureInfo.InvariantCulture));
                var warm = await TimedProcess.RunAsync(program, arguments);
                var values = RunInfo.ParseValues(warm.Stdout);
                if (warm.ExitCode == 0)
                {
                    rows.Add([$"{copies}× ({mb:N0} MB): library in-process (default engine), run {runs} of {runs}{(runs > 1 ? ", warm" : "")}; allocated {Report.F(values[$"alloc_per_byte_{runs}"], 1)} bytes per input byte",
                        Report.F(values[$"wall_{runs}"], 2), Report.F(values[$"cpu_{runs}"], 2), Rate(mb / values[$"cpu_{runs}"]), Report.F(values["peak_mb"], 0)]);
                }
                else
                {
                    rows.Add([$"{copies}× in-process", "—", "—", "—", $"failed: {warm.Stderr.Split('\n')[0]}"]);
                }

                if (copies == 1 && knobEngine is not null)
                {
                    // A native executable has no runtime knobs: it is left out here (its own 1× run is in the series below).
                    var knobVariants = clis.Where(c => c.IsManaged).SelectMany(c => KnobsFor(c).Select(k => new Variant($"{c.Name} {k.Name}", $"{c.Label}, {k.Name}",
                        dir => View(c, folder, "csv", dir, knobEngine.Arguments, k.Environment)))).ToList();
                    var knobSamples = await RoundsAsync(knobVariants, work, options.Rounds);
                    knobRows.AddRange(knobVariants.Select(v => Row(v, knobSamples[v.Name], mb)));
                }

                Directory.Delete(folder, recursive: true);
            }

            report.Heading($"Runtime knobs on {options.ScaleMb} MB of generated input");
            report.Line($"`fhir-bulk view` with the six views to CSV (engine: {knobEngine?.Label ?? "—"}), {options.Rounds} interleaved rounds, medians{NativeNote(clis, "left out (its defaults are in the 1× rows of the series below)")}.\n");
            report.Table(["variant", "wall s", "CPU s (user+sys)", "CPU s min–max", "peak RSS MB", "MB per CPU-s"], knobRows);
            report.Heading("Memory and allocation as the input grows");
            report.Line($"Base: {options.ScaleMb} MB of generated population, linked 1×, 4× and 16× (the same files again, so the 16× input is {16 * options.ScaleMb} MB); one run each. " +
                "The in-process rows run `FhirTables.RunAsync` into CSV in a child of this program; allocation = `GC.GetTotalAllocatedBytes(precise: true)` over the run ÷ input bytes.\n");
            report.Table(["run", "wall s", "CPU s", "MB per CPU-s", "peak RSS MB"], rows);
        }
        finally
        {
            Directory.Delete(generated, recursive: true);
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>One variant per engine and output format: <c>fhir-bulk view</c> with the six workshop views over <paramref name="folder"/>.</summary>
    private static IEnumerable<Variant> ViewVariants(FhirBulkCli cli, IEnumerable<Engine> engines, string folder, string namePrefix, string labelPrefix, string[]? formats = null) =>
        engines.SelectMany(engine => (formats ?? Formats).Select(format => new Variant($"{namePrefix}{engine.Name}-{format}", $"{labelPrefix}`fhir-bulk view` ({cli.Label}), {engine.Label}, {format}",
            dir => View(cli, folder, format, dir, engine.Arguments))));

    /// <summary>Runs <c>fhir-bulk view</c> with the six workshop views into <paramref name="dir"/> (a <c>views.duckdb</c> file, or a <c>views</c> folder).</summary>
    private static Task<TimedProcess.Sample> View(FhirBulkCli cli, string folder, string format, string dir, string[] engine, IReadOnlyDictionary<string, string>? environment = null) =>
        cli.RunAsync(["view", "--input", folder, "--view", ColdInputs.ViewsFolder, "--format", format, "--out", Path.Combine(dir, format == "duckdb" ? "views.duckdb" : "views"), .. engine], environment);

    /// <summary>
    /// The runtime knobs that apply to <paramref name="cli"/>: all for a <c>dotnet</c> CLI (<c>ReadyToRun=0</c> only where there is
    /// ReadyToRun code), none but the defaults for a native executable (no JIT, no tiering, no ReadyToRun code to turn off).
    /// </summary>
    private static IEnumerable<(string Name, Dictionary<string, string> Environment)> KnobsFor(FhirBulkCli cli) =>
        Knobs.Where(k => k.Name == "defaults" || (cli.IsManaged && (cli.Name == "r2r" || k.Name != "ReadyToRun=0")));

    /// <summary>"; the native CLI (…) is measured …" for the knob tables' text when a native executable is among <paramref name="clis"/>.</summary>
    private static string NativeNote(IReadOnlyList<FhirBulkCli> clis, string treatment) =>
        string.Concat(clis.Where(c => !c.IsManaged).Select(c => $"; the {c.Label} executable has no JIT, tiering or ReadyToRun code for a `DOTNET_*` knob to change, so it is {treatment}"));

    private static async Task<Dictionary<string, List<TimedProcess.Sample>>> RoundsAsync(List<Variant> variants, string work, int rounds)
    {
        var samples = variants.ToDictionary(v => v.Name, _ => new List<TimedProcess.Sample>());
        for (var round = 0; round < rounds; round++)
        {
            for (var k = 0; k < variants.Count; k++)
            {
                var variant = variants[(k + round) % variants.Count];
                if (variant.Failure is null && await RunAsync(variant, work) is { } sample)
                {
                    samples[variant.Name].Add(sample);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  round {round + 1} {variant.Name}: {sample.WallSeconds:F2} s wall, {sample.CpuSeconds:F2} CPU-s, {sample.PeakRssMb:F0} MB, load {Machine.LoadAverage()}"));
                }
            }
        }

        return samples;
    }

    /// <summary>Runs a variant into a fresh output folder of its own; a failure is kept on the variant (reported, not thrown).</summary>
    private static async Task<TimedProcess.Sample?> RunAsync(Variant variant, string work)
    {
        var dir = Path.Combine(work, variant.Name);
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }

        Directory.CreateDirectory(dir);
        var sample = await variant.Run(dir);
        if (sample.ExitCode != 0)
        {
            variant.Failure = $"failed (exit {sample.ExitCode}): {(sample.Stderr + sample.Stdout).Trim().Split('\n')[0]}";
            return null;
        }

        return sample;
    }

    private static Variant DuckDb(string name, string label, string folder, string work, bool detect, int threads)
    {
        var sql = Path.Combine(work, name + ".sql");
        File.WriteAllText(sql, ColdInputs.DuckDbSql(folder, Path.Combine(work, name), detect));
        return new(name, label, _ => Child(ColdChildren.DuckDbStep, sql, threads.ToString(CultureInfo.InvariantCulture)));
    }

    private static Task<TimedProcess.Sample> Child(params string[] args)
    {
        var (program, arguments) = PeakMemory.ChildCommand(args);
        return TimedProcess.RunAsync(program, arguments);
    }

    private static string[] Row(Variant v, List<TimedProcess.Sample> s, double mb = double.NaN) => s.Count > 0
        ? [v.Label, Report.F(Measure.Median(s.Select(x => x.WallSeconds)), 2), Report.F(Measure.Median(s.Select(x => x.CpuSeconds)), 2),
            $"{Report.F(s.Min(x => x.CpuSeconds), 2)}–{Report.F(s.Max(x => x.CpuSeconds), 2)}", Report.F(Measure.Median(s.Select(x => x.PeakRssMb)), 0),
            .. double.IsNaN(mb) ? Array.Empty<string>() : [Rate(mb / Measure.Median(s.Select(x => x.CpuSeconds)))]]
        : [v.Label, "—", "—", "—", v.Failure ?? "no sample", .. double.IsNaN(mb) ? Array.Empty<string>() : ["—"]];

    /// <summary>MB per second, with a decimal where a small input makes the figure small.</summary>
    private static string Rate(double mbPerSecond) => Report.F(mbPerSecond, mbPerSecond < 10 ? 1 : 0);

    [GeneratedRegex(@"\[default: *([A-Za-z0-9_-]+)\]")]
    private static partial Regex DefaultValue();
}
