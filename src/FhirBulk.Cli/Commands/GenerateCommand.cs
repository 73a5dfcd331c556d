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
            if (Directory.Exists(folder) && Directory.EnumerateFileSystemEntries(folder).Any())
            {
                // Files of another population (another seed, more patients, its steps) would stay beside the new one, and
                // serve --data or view would read both as one.
                throw new CliException(
                    $"{folder} is not empty: generate writes a whole population and would mix it with what is there; give a new or empty folder ({output.Name}).",
                    ExitCodes.InvalidInput);
            }

            var created = OutputFolder.Create(folder, output.Name);

            // Written whole beside the folder, then moved into it: a population cut short (Ctrl-C, a full disk, kill -9)
            // would otherwise read as a whole one to inspect, view and serve --data, and keep this command from running
            // again. What a kill leaves is only this hidden folder, named as unfinished, which the next run replaces.
            var staging = StagingFolder(folder);
            var quiet = parseResult.GetValue(json);
            PopulationSummary summary;
            try
            {
                if (Directory.Exists(staging))
                {
                    Directory.Delete(staging, recursive: true);
                }

                summary = await new StepProgress(context, quiet || parseResult.GetValue(quietOption)).RunAsync(
                    stepCount > 0 ? $"Generating {count:N0} patients and {stepCount} steps of change" : $"Generating {count:N0} patients",
                    async _ =>
                    {
                        var population = new PopulationOptions { Patients = count, Seed = parseResult.GetValue(seed) };
                        var generated = await PopulationGenerator.GenerateAsync(staging, population, cancellationToken).ConfigureAwait(false);
                        if (stepCount is { } played)
                        {
                            await PopulationGenerator.AdvanceAsync(staging, population, played, cancellationToken).ConfigureAwait(false);
                        }

                        return generated;
                    },
                    s => string.Create(CultureInfo.InvariantCulture, $"{s.ResourceCounts.Values.Sum():N0} resources, {s.Bytes / 1048576.0:0.0} MB")).ConfigureAwait(false);

                MoveInto(staging, folder, existed: created is null);
            }
            catch
            {
                // Left as it was: the folder absent (when this run made it) or empty, so the same command runs again.
                DeleteQuietly(staging);
                OutputFolder.RemoveIfEmpty(created);
                throw;
            }

            // The steps are files too, beside the data: said, so that the folder's steps/ is no surprise (serve --data reads it).
            var stepsDirectory = stepCount is null ? null : Path.Combine(folder, PopulationGenerator.StepsFolder);
            if (quiet)
            {
                JsonOutput.Write(context.Out, new
                {
                    output = folder, resources = summary.ResourceCounts, deleted = summary.DeletedCount, files = summary.Files, bytes = summary.Bytes,
                    steps = stepCount ?? 0, stepsDirectory,
                });
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

    private const string UnfinishedSuffix = ".unfinished";

    /// <summary>Moves the finished population from <paramref name="staging"/> into the empty <paramref name="folder"/>.</summary>
    /// <param name="staging">The hidden folder holding the whole population.</param>
    /// <param name="folder">The --out folder, empty.</param>
    /// <param name="existed">
    /// Whether the folder was there before this run. One this run made gives way to the population in one rename; one the
    /// user gave is kept (it may be their shell's current folder, which a rename would leave them in as a deleted one),
    /// and the population's files and folders are renamed into it one by one.
    /// </param>
    private static void MoveInto(string staging, string folder, bool existed)
    {
        if (!existed)
        {
            Directory.Delete(folder);
            Directory.Move(staging, folder);
            return;
        }

        foreach (var directory in Directory.EnumerateDirectories(staging))
        {
            Directory.Move(directory, Path.Combine(folder, Path.GetFileName(directory)));
        }

        foreach (var file in Directory.EnumerateFiles(staging))
        {
            File.Move(file, Path.Combine(folder, Path.GetFileName(file)));
        }

        Directory.Delete(staging);
    }

    /// <summary>The hidden folder beside <paramref name="folder"/> a population is written into before it is moved there.</summary>
    private static string StagingFolder(string folder) => Path.Combine(Path.GetDirectoryName(folder)!, $".{Path.GetFileName(folder)}{UnfinishedSuffix}");

    /// <summary>
    /// The --out folder whose population <paramref name="folder"/> was being written for, when it is such a staging
    /// folder (one a killed run left); otherwise <see langword="null"/>.
    /// </summary>
    public static string? UnfinishedFor(string folder)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        var name = Path.GetFileName(full);
        return name.Length > 1 + UnfinishedSuffix.Length && name.StartsWith('.') && name.EndsWith(UnfinishedSuffix, StringComparison.Ordinal)
            ? Path.Combine(Path.GetDirectoryName(full)!, name[1..^UnfinishedSuffix.Length])
            : null;
    }

    private static void DeleteQuietly(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The failure being reported matters more; the next run replaces what is left.
        }
    }
}
