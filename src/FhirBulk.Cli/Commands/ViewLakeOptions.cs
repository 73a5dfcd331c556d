using System.CommandLine;
using System.Globalization;
using FhirBulk.Cli.Rendering;
using FhirBulk.Ndjson;
using FhirBulk.Sinks;
using FhirBulk.Sinks.Parquet;
using FhirBulk.Storage;
using FhirBulk.Views;
using Spectre.Console;

namespace FhirBulk.Cli.Commands;

/// <summary>
/// <c>view</c>'s options for the Parquet lake (<c>--format parquet --out DIR</c>): <c>--shard K/N</c>, part and row
/// group sizes, and <c>--merge DIR</c>, the check that every shard of a run is in a lake.
/// </summary>
internal sealed class ViewLakeOptions
{
    private const int DefaultSplitMb = (int)(NdjsonDefaults.ShardUnitBytes / (1024 * 1024));

    public Option<string?> Shard { get; } = new("--shard")
    {
        Description = "Process only shard K of N (K from 0, as JOB_COMPLETION_INDEX; 0 ≤ K < N): its share of the input's files and line-aligned byte ranges, written as its own parts of the Parquet lake (--format parquet --out DIR).",
        HelpName = "K/N",
    };

    public Option<int> SplitMb { get; } = new("--split-mb")
    {
        Description = "With --shard: the largest byte range (MiB) an uncompressed NDJSON file is cut into; gzip files are never cut. Every shard must be given the same value.",
        DefaultValueFactory = _ => DefaultSplitMb,
        HelpName = "MB",
    };

    public Option<long> PartRows { get; } = new("--part-rows")
    {
        Description = "Parquet lake: rows per part file; a shard starts a new part past it.",
        DefaultValueFactory = _ => ParquetLakeDefaults.RowsPerPart,
        HelpName = "N",
    };

    public Option<int> RowGroupSize { get; } = new("--row-group-size")
    {
        Description = "Parquet lake: rows per row group.",
        DefaultValueFactory = _ => ParquetLakeDefaults.RowGroupSize,
        HelpName = "N",
    };

    public Option<string?> Merge { get; } = new("--merge")
    {
        Description = "Check that the Parquet lake DIR (a folder, s3://BUCKET/PREFIX or az://CONTAINER/PREFIX) holds every shard of its run (DIR/_runs/*.json) and nothing else, print rows and parts per shard, and stop: exit 0 when complete, 8 naming what is missing.",
        HelpName = "DIR",
    };

    public IEnumerable<Option> All => [Shard, SplitMb, PartRows, RowGroupSize, Merge];

    /// <summary>The shard <c>--shard</c> names, or <see langword="null"/> without it.</summary>
    public ShardSpec? ShardOf(ParseResult parseResult)
    {
        if (parseResult.GetValue(Shard) is not { } text)
        {
            return null;
        }

        if (!ShardSpec.TryParse(text, out ShardSpec shard))
        {
            throw new CliException($"--shard expects K/N with 0 ≤ K < N (K counts from 0, as JOB_COMPLETION_INDEX does), such as 0/4; got '{text}'.", ExitCodes.Usage);
        }

        return shard;
    }

    /// <summary>
    /// The source of this run's share and the lake sink for it: the plan cuts the input the same way in every shard, from the
    /// files' names and sizes, counting only the files the views read.
    /// </summary>
    public (NdjsonSource Source, ITableSink Sink) OpenLake(ParseResult parseResult, NdjsonSource input, IReadOnlyList<ICompiledView> views, ObjectStore lake)
    {
        ShardSpec shard = ShardOf(parseResult) ?? ShardSpec.Single;
        int splitMb = parseResult.GetValue(SplitMb);
        long partRows = parseResult.GetValue(PartRows);
        int rowGroupSize = parseResult.GetValue(RowGroupSize);
        if (splitMb < 1 || partRows < 1 || rowGroupSize < 1)
        {
            string name = splitMb < 1 ? SplitMb.Name : partRows < 1 ? PartRows.Name : RowGroupSize.Name;
            throw new CliException($"{name} must be at least 1.", ExitCodes.Usage);
        }

        if (!input.IsRepeatable && shard.Count > 1)
        {
            throw new CliException("--shard splits files: stdin cannot be split; save it to a file and give that to --input.", ExitCodes.Usage);
        }

        NdjsonShardPlan? plan = input.IsRepeatable
            ? NdjsonShardPlan.Create(input, shard.Count, splitMb * 1024L * 1024, views.Select(v => v.Schema.Resource))
            : null;
        var sink = new ParquetLakeSink(lake, new ParquetLakeOptions { Shard = shard, Plan = plan, RowsPerPart = partRows, RowGroupSize = rowGroupSize });
        Plan = plan;
        return (plan?.SourceFor(shard.Index) ?? input, sink);
    }

    /// <summary>The plan <see cref="OpenLake"/> made, for what the run then tells the user about the whole input.</summary>
    public NdjsonShardPlan? Plan { get; private set; }

    /// <summary>
    /// After a run without --shard the lake should hold that run alone; one line on stderr when it does not (parts of an
    /// earlier run with another shard count, say), because a glob over a view's folder then reads them beside the new rows
    /// and the run's own "Written to" would not tell. A warning, not a failure: the run did write all it was asked to.
    /// </summary>
    /// <param name="context">Where the warning line goes.</param>
    /// <param name="status">What the lake held after the run: the sink's <see cref="ParquetLakeSink.Status"/>, listed once by the sink.</param>
    /// <param name="written">The lake as the run's summary names it.</param>
    /// <param name="view">A view of the run, for the glob the warning shows when no view's folder holds rows of another run.</param>
    /// <returns>The warning given, for <c>--json</c>'s <c>warnings</c>; none when the lake holds this run alone.</returns>
    public static IReadOnlyList<RunWarning> WarnUnlessComplete(CliContext context, ParquetLakeStatus status, string written, string view)
    {
        // The example glob names a folder that does hold the stray parts: a run of two views over a lake of six leaves
        // parts in the four folders it did not write, not in the one it names first.
        string glob = $"{written.TrimEnd('/')}/{status.ViewReadBesideOtherRows ?? view}/*.parquet";
        return TableRunRenderer.Warn(context, status.IsComplete
            ? []
            : [new RunWarning(null, $"{written} holds more than this run, which a glob such as {glob} reads beside its rows: {string.Join("; ", status.Problems.Select(p => p.TrimEnd('.')))}. See it with: fhir-bulk view --merge {written}")]);
    }

    /// <summary><c>--merge DIR</c>: what the lake (a folder or an object-store prefix) holds, per view and shard; exit 0 when complete.</summary>
    /// <exception cref="CliException">The lake lacks a shard or is inconsistent (exit 8), or its folder is not there (exit 3).</exception>
    public static async Task<int> RunMergeAsync(CliContext context, string directory, bool json, ObjectStoreOptions? storeOptions, CancellationToken cancellationToken)
    {
        ParquetLakeStatus status;
        if (CliContext.StoreLocation("--merge", directory) is { } location)
        {
            // A prefix has no existence of its own: one with nothing under it is judged below, as an empty folder is (no lake).
            using var store = ObjectStore.Create(location, storeOptions);
            status = await ParquetLake.CheckAsync(store, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            try
            {
                status = ParquetLake.Check(directory);
            }
            catch (DirectoryNotFoundException)
            {
                throw new CliException($"lake folder not found: {directory}", ExitCodes.InvalidInput);
            }
        }

        // An export folder (or any folder of other files) given by a slip: no shard is missing, the location is wrong.
        if (!status.IsLake)
        {
            throw new CliException($"{directory} is not a Parquet lake: it holds no run record ({ParquetLake.RunsFolderName}/*.json) and no <view>/part-*.parquet. Give --merge the --out of view --format parquet.", ExitCodes.InvalidInput);
        }

        // With --json a failure is the error document alone (one document on stdout), so the summary is for a complete lake.
        if (json && status.IsComplete)
        {
            JsonOutput.Write(context.Out, new LakeMergeJson(
                status.Directory,
                status.ShardCount,
                status.RowsByView,
                status.Runs.Select(r => new LakeMergeJson.Run($"{r.ShardIndex}/{r.ShardCount}", r.RunId, r.Views.Sum(v => v.Parts.Count), r.Views.Sum(v => v.Rows)))));
        }
        else if (!json && status.ShardCount is not null)
        {
            var table = new Table().Border(TableBorder.Rounded).AddColumn("View").AddColumn(new TableColumn("Rows").RightAligned()).AddColumn("Parts per shard");
            foreach (var (name, rows) in status.RowsByView)
            {
                string parts = string.Join(", ", status.Runs.Select(r => string.Create(CultureInfo.InvariantCulture, $"{r.ShardIndex}: {r.Views.FirstOrDefault(v => v.Name == name)?.Parts.Count ?? 0}")));
                table.AddRow(Markup.Escape(name), rows.ToString("N0", CultureInfo.InvariantCulture), parts);
            }

            context.Out.Write(table);
            context.Out.WriteLine($"{status.ShardsText} in {status.Directory}");
        }

        if (status.IsComplete)
        {
            return ExitCodes.Success;
        }

        List<string> what = [];
        if (status.ShardCount is null)
        {
            what.Add($"{directory} holds no run record ({ParquetLake.RunsFolderName}/*.json): no shard has completed");
        }

        if (status.MissingShards.Count > 0)
        {
            what.Add($"missing {Counted.Of(status.MissingShards.Count, "shard")} of {status.ShardCount}: {string.Join(", ", status.MissingShards.Select(s => $"{s}/{status.ShardCount}"))}");
        }

        // The library's problems are sentences; here they are joined into one.
        what.AddRange(status.Problems.Select(p => p.TrimEnd('.')));
        throw new CliException($"the lake is incomplete: {string.Join("; ", what)}.", ExitCodes.LakeIncomplete);
    }
}

/// <summary><c>view --merge --json</c>.</summary>
internal sealed record LakeMergeJson(string Lake, int? Shards, IReadOnlyDictionary<string, long> Rows, IEnumerable<LakeMergeJson.Run> Runs)
{
    internal sealed record Run(string Shard, string RunId, int Parts, long Rows);
}
