using System.CommandLine;
using System.Text.Json;
using FhirBulk.Cli.Rendering;
using FhirBulk.Cli.Workshop;
using FhirBulk.Ndjson;
using FhirBulk.Tables;
using FhirBulk.Workshop;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace FhirBulk.Cli.Commands;

/// <summary>
/// <c>fhir-bulk demo</c>: the whole system in one command, offline. Embedded server, key,
/// exports, tables, the workshop's three answers and a chart.
/// </summary>
internal static class DemoCommand
{
    /// <summary>How <c>demo --json</c> writes the answers (nulls kept: an answer resting on no data is null), and <c>demo --sync --json</c> each increment's.</summary>
    internal static JsonSerializerOptions AnswersJson { get; } = new(JsonSerializerDefaults.Web) { WriteIndented = true, TypeInfoResolver = CliJson.Default };

    /// <summary>The resource types each answer is computed from (see examples/workshop/queries), by its --json name.</summary>
    private const string TopConditionsAnswer = "topConditions";

    private static readonly (string Answer, string[] Types)[] AnswerInputs =
    [
        ("fluVaccinatedPatients", ["Immunization"]),
        (TopConditionsAnswer, ["Condition"]),
        ("topMedication", ["MedicationRequest"]),
        ("encounterTypes", ["MedicationRequest", "Encounter"]),
    ];

    public static Command Create(CliContext context)
    {
        var patients = new Option<int>("--patients", "-n")
        {
            Description = "Patients in the generated population.",
            DefaultValueFactory = _ => 100,
        };
        var seed = new Option<int>("--seed")
        {
            Description = "Seed of the generated population.",
            DefaultValueFactory = _ => 0,
        };
        var output = new Option<string?>("--out", "-o")
        {
            Description = "Output folder for NDJSON, workshop.duckdb, Parquet and the chart. Default: ./fhir-bulk-demo.",
            HelpName = "DIR",
        };
        var input = new Option<string?>("--input", "-i")
        {
            Description = "Analyse data you already have (an export folder or a Synthea NDJSON file) instead of starting a server.",
            HelpName = "PATH",
        };
        var json = new Option<bool>("--json")
        {
            Description = "Print only the answers as one JSON object (fluVaccinatedPatients, topConditions, topMedication, encounterTypes). "
                + "With --sync: {directory, increments}, one increment per sync as 'sync --json' prints it (increment, transactionTime, "
                + "resources, deletedResources, rebuiltFrom, directory, incrementDirectory, database, tables: rows per table, "
                + "changes: added, replaced and deleted rows per table, warnings) with its answers.",
        };
        var sync = new Option<bool>("--sync")
        {
            Description = "Keep the workshop's tables current instead: a first full sync, then the server's data moves on a week twice, and each increment's changes to the tables and the answers after it are printed (DIR/sync/).",
        };
        var quietOption = CommonOptions.Quiet();
        var command = new Command("demo", "Start an embedded server, export a generated population, build the workshop's tables and answer its three research questions.")
        {
            patients, seed, output, input, sync, json, quietOption,
        };
        command.SetRunner(context, async (parseResult, cancellationToken) =>
        {
            var quiet = parseResult.GetValue(json);
            // The steps' progress and their one-line reports; the answers and files are still printed with --quiet.
            var noProgress = quiet || parseResult.GetValue(quietOption);
            var steps = new StepProgress(context, noProgress);
            var outputDirectory = Path.GetFullPath(parseResult.GetValue(output) ?? "fhir-bulk-demo");
            var given = parseResult.GetValue(input);
            if (given is not null && parseResult.GetValue(sync))
            {
                throw new CliException("--sync needs the embedded server, whose data it moves on: it cannot be given --input.", ExitCodes.Usage);
            }

            NdjsonSource? givenSource = null;
            if (given is not null)
            {
                // Opened before anything is written: a folder without NDJSON, or an unfinished export, is refused there, and
                // tables of nothing (or of part of the data) would replace the last demo's.
                givenSource = context.OpenInput(given);
            }

            OutputFolder.Create(outputDirectory, "--out");
            string analysisInput;
            if (given is not null)
            {
                analysisInput = given;
            }
            else
            {
                var count = parseResult.GetValue(patients);
                if (count <= 0)
                {
                    throw new CliException("--patients must be at least 1.", ExitCodes.Usage);
                }

                if (parseResult.GetValue(sync))
                {
                    return await DemoSync.RunAsync(context, steps, noProgress, quiet, count, parseResult.GetValue(seed), outputDirectory, cancellationToken).ConfigureAwait(false);
                }

                analysisInput = await DemoExports.RunAsync(context, steps, noProgress, count, parseResult.GetValue(seed), outputDirectory, cancellationToken).ConfigureAwait(false);
            }

            var result = await steps.RunAsync(
                "Building the workshop tables (DuckDB + Parquet)",
                progress => new WorkshopAnalysis().RunAsync(
                    givenSource ?? context.OpenInput(analysisInput),
                    EmbeddedWorkshop.Load(),
                    outputDirectory,
                    new SyncProgress<TableProgress>(p => progress.Report(new StepUpdate(p.Fraction, $"{p.Resources:N0} resources, {p.Rows:N0} rows", p.BytesRead))),
                    cancellationToken),
                r => TableRunRenderer.Summary(r.Tables)).ConfigureAwait(false);
            var skipped = TableRunRenderer.WarnSkipped(context, result.Tables, CommonOptions.IsVerbose(parseResult));
            var unanswered = WarnUnanswered(context, result.Tables, analysisInput);

            // A chart of no conditions would show the same nothing as a finding; an earlier run's is not this data's either.
            var chart = unanswered.Contains(TopConditionsAnswer) ? null : ConditionsChart.Write(result.Answers.TopConditions, outputDirectory);
            if (chart is null)
            {
                File.Delete(Path.Combine(outputDirectory, ConditionsChart.FileName));
            }

            if (quiet)
            {
                // An answer resting on no data is null, not a zero or an empty list that would read as a finding.
                var answers = JsonSerializer.SerializeToNode(result.Answers, AnswersJson.TypeInfo<WorkshopAnswers>())!.AsObject();
                foreach (var answer in unanswered)
                {
                    answers[answer] = null;
                }

                JsonOutput.WriteRaw(context.Out, answers.ToJsonString(AnswersJson));
            }
            else
            {
                context.Out.WriteLine();
                AnswersRenderer.Write(context.Out, result.Answers, [.. AnswerInputs.Where(a => unanswered.Contains(a.Answer))]);
                context.Out.WriteLine();
                WriteFiles(context.Out, outputDirectory, analysisInput, exported: given is null, result, chart);
            }

            return skipped || unanswered.Count > 0 ? ExitCodes.PartialSuccess : ExitCodes.Success;
        });
        return command;
    }

    /// <summary>
    /// Names each answer whose input had none of a type it is computed from: its zero or empty list would otherwise read as a
    /// finding. Returns those answers' --json names.
    /// </summary>
    private static List<string> WarnUnanswered(CliContext context, TableRunResult tables, string input)
    {
        var unanswered = new List<string>();
        foreach (var (answer, types) in AnswerInputs)
        {
            var missing = types.Where(t => tables.ResourcesByType.GetValueOrDefault(t) == 0).ToList();
            if (missing.Count > 0)
            {
                unanswered.Add(answer);
                context.Error.MarkupLineInterpolated($"[yellow]warning:[/] {answer} could not be computed: no {string.Join(" or ", missing)} resources in {input}");
            }
        }

        return unanswered;
    }

    private static void WriteFiles(IAnsiConsole console, string outputDirectory, string ndjson, bool exported, WorkshopResult result, string? chart)
    {
        string Relative(string path) => Path.GetRelativePath(outputDirectory, path);
        // One path a row, each cell one line: a path is copied, so it is never wrapped (docs/cli.md, Width). Listed on one
        // row, the Parquet files drew a box some 200 columns wide on a pipe; one a row, the box is as wide as the longest.
        var files = new Table().Border(TableBorder.Rounded).AddColumn(new TableColumn("What").NoWrap()).AddColumn("Where");
        // The demo's own exports: the Patient-level one is analysed, the Group-level one is kept beside it to compare.
        var groupExport = Path.Combine(outputDirectory, "export", "group");
        if (Directory.Exists(groupExport) && Path.GetDirectoryName(Path.GetFullPath(ndjson)) == Path.GetDirectoryName(groupExport))
        {
            files.AddRow(OneLineCell.Row("NDJSON", $"{Relative(ndjson)} (analysed)"));
            files.AddRow(OneLineCell.Row("", Relative(groupExport)));
        }
        else
        {
            files.AddRow(OneLineCell.Row("NDJSON", ndjson));
        }

        // Only a run that exported made the key: an earlier demo's keys/ in the same folder is not this run's output.
        var jwks = Path.Combine(outputDirectory, "keys", KeygenCommand.JwksFileName);
        if (exported && File.Exists(jwks))
        {
            files.AddRow(OneLineCell.Row("Public key", $"{Relative(jwks)} (the demo client's, registered with the embedded server)"));
        }

        files.AddRow(OneLineCell.Row("DuckDB", Relative(result.DatabasePath)));
        foreach (var (parquet, index) in result.ParquetFiles.Select((file, index) => (file, index)))
        {
            files.AddRow(OneLineCell.Row(index == 0 ? "Parquet" : "", Relative(parquet)));
        }

        if (chart is not null)
        {
            files.AddRow(OneLineCell.Row("Chart", Relative(chart)));
        }

        // A folder too long for the box's top edge, which Spectre would cut to "Output in…", gets a line of its own above it.
        var panel = new Panel(files) { Expand = false };
        var header = $"Output in {outputDirectory}";
        if (header.Length + 4 > Math.Min(((IRenderable)panel).Measure(RenderOptions.Create(console), console.Profile.Width).Max, console.Profile.Width))
        {
            console.Profile.Out.Writer.WriteLine(header);
            header = "Output";
        }

        console.Write(panel.Header(Markup.Escape(header)));
        WriteTryQuery(console, result.DatabasePath, "SELECT gender, count(*) FROM patients GROUP BY ALL");
    }

    /// <summary>
    /// <c>Try: fhir-bulk query --db DATABASE "SQL"</c>, one line never wrapped, so that it pastes as printed into any shell
    /// (a POSIX <c>\</c> continuation would not survive cmd or PowerShell; docs/cli.md: printed commands are one line each).
    /// The database is named from the current folder when it is inside it, which keeps the line short.
    /// </summary>
    internal static void WriteTryQuery(IAnsiConsole console, string database, string sql)
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, database);
        var path = Path.IsPathRooted(relative) || relative.StartsWith("..", StringComparison.Ordinal) ? database : relative;
        var writer = console.Profile.Out.Writer;
        writer.WriteLine($"Try: fhir-bulk query --db {CommandLineText.Quote(path)} \"{sql}\"");
        writer.Flush();
    }
}
