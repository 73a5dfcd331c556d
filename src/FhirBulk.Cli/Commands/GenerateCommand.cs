using System.CommandLine;
using System.Globalization;
using FhirBulk.Cli.Rendering;
using FhirBulk.Server;
using Spectre.Console;

namespace FhirBulk.Cli.Commands;

/// <summary><c>fhir-bulk generate</c>: the server's synthetic population written as NDJSON per type.</summary>
internal static class GenerateCommand
{
    public static Command Create(CliContext context)
    {
        var patients = new Option<int>("--patients", "-n")
        {
            Description = "Number of patients to generate.",
            DefaultValueFactory = _ => 100,
        };
        var seed = new Option<int>("--seed")
        {
            Description = "Random seed: the same seed gives byte-identical files.",
            DefaultValueFactory = _ => 0,
        };
        var output = new Option<string>("--out", "-o")
        {
            Description = "Folder to write <Type>.000.ndjson files into.",
            Required = true,
            HelpName = "DIR",
        };
        var steps = new Option<int?>("--steps")
        {
            Description = "Start a simulated timeline in steps/ and play N weekly steps of change into steps/NNNN/ beside the data (serve --data DIR "
                + "serves the state after them). 0 starts the timeline with none, so that 'serve --data DIR --steps N' or --advance-every can play them later.",
            HelpName = "N",
        };
        var json = CommonOptions.Json();
        var quietOption = CommonOptions.Quiet();
        var command = new Command("generate", "Write a deterministic synthetic population (Synthea-like FHIR R4) as NDJSON per resource type.")
        {
            patients, seed, output, steps, json, quietOption,
        };
        command.SetRunner(context, async (parseResult, cancellationToken) =>
        {
            var count = parseResult.GetValue(patients);
            if (count < 1)
            {
                throw new CliException("--patients must be at least 1.", ExitCodes.Usage);
            }

            // Null without --steps: no timeline. 0 starts one without any change yet.
            var stepCount = parseResult.GetValue(steps);
            if (stepCount < 0)
            {
                throw new CliException($"--steps must be 0 or more, not {stepCount}.", ExitCodes.Usage);
            }

            var folder = Path.TrimEndingDirectorySeparator(Path.GetFullPath(parseResult.GetRequiredValue(output)));

            // The folder itself the generator makes, by moving the whole population into place; a path that cannot be a
            // folder fails here, in the user's terms.
            var created = OutputFolder.CreateParent(folder, output.Name);
            if (!PopulationGenerator.CanGenerateInto(folder))
            {
                // Files of another population (another seed, more patients, its steps) would stay beside the new one, and
                // serve --data or view would read both as one. Asked before the progress starts, which would show work
                // that never runs.
                throw new CliException(
                    $"{folder} is not empty: generate writes a whole population and would mix it with what is there; give a new or empty folder ({output.Name}).",
                    ExitCodes.InvalidInput);
            }

            var quiet = parseResult.GetValue(json);
            PopulationSummary summary;
            try
            {
                summary = await new StepProgress(context, quiet || parseResult.GetValue(quietOption)).RunAsync(
                    stepCount > 0 ? $"Generating {count:N0} patients and {stepCount} steps of change" : $"Generating {count:N0} patients",
                    _ => PopulationGenerator.GenerateStagedAsync(
                        folder, new PopulationOptions { Patients = count, Seed = parseResult.GetValue(seed) }, stepCount, cancellationToken),
                    s => string.Create(CultureInfo.InvariantCulture, $"{s.ResourceCounts.Values.Sum():N0} resources, {s.Bytes / 1048576.0:0.0} MB")).ConfigureAwait(false);
            }
            catch
            {
                // The generator left the folder as it was (absent, or empty) and no staging folder; the folders above it
                // that this run made go too, so that nothing is left.
                OutputFolder.RemoveIfEmpty(created);
                throw;
            }

            // The steps are files too, beside the data: said, so that the folder's steps/ is no surprise (serve --data reads it).
            var stepsDirectory = stepCount is null ? null : Path.Combine(folder, PopulationGenerator.StepsFolder);
            if (quiet)
            {
                JsonOutput.Write(context.Out, new GenerateJson(
                    folder, summary.ResourceCounts, summary.DeletedCount, summary.Files, summary.Bytes, stepCount ?? 0, stepsDirectory));
                return ExitCodes.Success;
            }

            var table = new Table().Border(TableBorder.Rounded).AddColumn("Type").AddColumn(new TableColumn("Resources").RightAligned());
            foreach (var (type, resources) in summary.ResourceCounts.OrderBy(t => t.Key, StringComparer.Ordinal))
            {
                table.AddRow(OneLineCell.Row(type, resources.ToString("N0", CultureInfo.InvariantCulture)));
            }

            context.Out.Write(table);
            context.Out.WriteLine($"{Counted.Of(summary.Files.Count, "file")} in {folder}");
            if (stepsDirectory is not null)
            {
                context.Out.WriteLine($"{Counted.Of(stepCount ?? 0, "step")} of change in {stepsDirectory}{Path.DirectorySeparatorChar}");
            }
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>
    /// The refusal of an input <paramref name="folder"/> that does not exist because a generate into it did not finish (its
    /// staging folder is there instead), or <see langword="null"/> for any other: said, so that the user runs generate
    /// again rather than hunting a mistyped path. Exit 3, as any missing input.
    /// </summary>
    /// <param name="named">How the message names the folder: the option and its value (<c>--input pop</c>), or the path.</param>
    /// <param name="folder">The folder as the user gave it.</param>
    public static CliException? Interrupted(string named, string folder) =>
        PopulationGenerator.InterruptedStagingFor(folder) is { } staging
            ? new CliException(
                $"{named} does not exist: a generate into it did not finish ({Path.GetFileName(staging)} beside it holds what it wrote); run 'fhir-bulk generate --out {CommandLineText.Quote(folder)}' again, which replaces it.",
                ExitCodes.InvalidInput)
            : null;

    /// <summary>
    /// The refusal of an input <paramref name="folder"/> that is itself the staging folder of a generate (<c>.NAME.unfinished</c>),
    /// or <see langword="null"/> for any other: it holds part of a population, which a reader would take for a whole one.
    /// Exit 3, as <see cref="Interrupted"/>.
    /// </summary>
    /// <param name="named">How the message names the folder: the option and its value (<c>--input .pop.unfinished</c>), or the path.</param>
    /// <param name="folder">The folder as the user gave it.</param>
    public static CliException? Unfinished(string named, string folder) =>
        PopulationGenerator.StagedFor(folder) is { } meant
            ? new CliException(
                $"{named} is the unfinished output of a generate into {meant} that was interrupted (or is still running): give {meant} once that generate has finished, or run 'fhir-bulk generate --out {CommandLineText.Quote(meant)}' again, which replaces it.",
                ExitCodes.InvalidInput)
            : null;
}

/// <summary><c>generate --json</c>.</summary>
internal sealed record GenerateJson(
    string Output, IReadOnlyDictionary<string, long> Resources, long Deleted, IReadOnlyList<string> Files, long Bytes, int Steps, string? StepsDirectory);
