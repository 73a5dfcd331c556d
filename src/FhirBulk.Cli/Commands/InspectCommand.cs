using System.CommandLine;
using System.Globalization;
using FhirBulk.Cli.Rendering;
using FhirBulk.ExportFolder;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace FhirBulk.Cli.Commands;

/// <summary><c>fhir-bulk inspect</c>: what an export folder holds.</summary>
internal static class InspectCommand
{
    public static Command Create(CliContext context)
    {
        // Its name labels errors about it ("folder: …", as "--out: …" labels an option's), so it is a word, not a placeholder.
        var folder = new Argument<string>("folder")
        {
            Description = "An export folder (written by 'fhir-bulk export' or any folder of <Type>.*.ndjson files), or an object-store prefix (s3://bucket/prefix, az://container/prefix, https://ACCOUNT.blob.core.windows.net/container/prefix).",
        };
        var s3Endpoint = CommonOptions.S3Endpoint();
        var json = CommonOptions.Json();
        var verify = new Option<bool>("--verify")
        {
            Description = "Also check every file the export recorded as complete against its recorded size and SHA-256 (a folder written by 'fhir-bulk export').",
        };
        var command = new Command("inspect", "Summarise an export folder: types, files, resource counts, bytes, errors and transactionTime.")
        {
            folder, json, verify, s3Endpoint,
        };
        command.SetRunner(context, async (parseResult, cancellationToken) =>
        {
            var location = parseResult.GetRequiredValue(folder);
            ExportFolderSummary summary;
            if (CliContext.StoreLocation(folder.Name, location) is { } url)
            {
                using var store = FhirBulk.Storage.ObjectStore.Create(url, CommonOptions.StoreOptions(parseResult.GetValue(s3Endpoint)));
                summary = await ExportFolderInspector.InspectAsync(store, parseResult.GetValue(verify), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                if (GenerateCommand.Unfinished(location, location) is { } unfinished)
                {
                    throw unfinished;
                }

                try
                {
                    summary = await ExportFolderInspector.InspectAsync(location, parseResult.GetValue(verify), cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is DirectoryNotFoundException or ExportFolderException && GenerateCommand.Interrupted(location, location) is { } interrupted)
                {
                    // Missing (--verify finds no export state there): that it is missing because a generate into it did not finish says more.
                    throw interrupted;
                }
            }

            var verification = summary.Verification;
            if (parseResult.GetValue(json))
            {
                JsonOutput.Write(context.Out, new InspectJson(
                    verification is null ? null : new InspectJson.Verification(
                        verification.FilesChecked,
                        verification.Bytes,
                        verification.IsIntact,
                        verification.ExportCompleted,
                        verification.Problems.Select(p => new FileProblemJson(p.FileName, p.Problem))),
                    summary.Folder,
                    summary.TransactionTimeText ?? (summary.TransactionTime is { } instant ? ValueText.Instant(instant) : null),
                    summary.Request,
                    summary.ResourcesByType,
                    summary.ManifestCounts,
                    summary.ManifestCountMismatches.Select(m => new InspectJson.TypeCountMismatch(m.Type, m.Announced, m.Found)),
                    summary.Files.Select(f => new InspectJson.FolderFileJson(Path.GetFileName(f.Path), f.ResourceType, f.Resources, f.Bytes)),
                    summary.Bytes,
                    summary.Errors,
                    summary.ErrorIssues,
                    summary.DeletedFiles.Sum(f => f.Resources),
                    summary.MalformedLines.Count,
                    summary.Unfinished,
                    summary.StillRunning,
                    summary.ResumeCommand));
            }
            else
            {
                Write(context.Out, summary);
                if (verification is not null)
                {
                    WriteVerification(context, verification, summary.ResumeCommand);
                }
            }

            if (summary.StillRunning is { } running)
            {
                // Resuming it would be refused by its lock (view says the same).
                MessageLines.Warning(context.Error, $"{summary.Folder} holds {running}: some of its files are not there yet. Wait for it to finish, then inspect the folder again.");
            }
            else if (summary.Unfinished is { } unfinished)
            {
                MessageLines.Warning(context.Error, $"{summary.Folder} holds {unfinished}: some of its files are not there yet" +
                    (summary.ResumeCommand is { } resume ? $"; finish it: {resume}" : "; start a new export."));
            }

            foreach (var (type, announced, found) in summary.ManifestCountMismatches)
            {
                MessageLines.Warning(context.Error, string.Create(CultureInfo.InvariantCulture, $"{type}: manifest count {announced}, the folder holds {found}"));
            }

            var damaged = verification is { IsIntact: false };
            var partial = damaged || summary.Unfinished is not null || summary.HasServerErrors || summary.MalformedLines.Count > 0 || summary.ManifestCountMismatches.Count > 0;
            return partial ? ExitCodes.PartialSuccess : ExitCodes.Success;
        });
        return command;
    }

    private static void WriteVerification(CliContext context, ExportFolderVerification verification, string? resume)
    {
        var checkedText = Counted.Of(verification.FilesChecked, "complete file");
        if (verification.IsIntact)
        {
            context.Out.MarkupLineInterpolated($"Verified: [green]{checkedText} match their recorded size and SHA-256[/]{(verification.ExportCompleted ? "" : " (the export is unfinished)")}.");
            return;
        }

        foreach (var problem in verification.Problems)
        {
            MessageLines.Labelled(context.Error, "[yellow]damaged:[/]", $"{Path.Combine(verification.Folder, problem.FileName)}: {problem.Problem}");
        }

        var deleteFirst = verification.Problems.Any(p => !p.ResumeRepairs) ? "after the objects damaged inside the store are deleted, " : "";
        var repair = resume is null ? "a new export fetches them again (this one was cancelled)" : $"'{resume}' fetches them again";
        context.Out.MarkupLineInterpolated($"Verified: [yellow]{verification.Problems.Count} of {checkedText} missing or changed[/]; {deleteFirst}{repair}.");
    }

    private static void Write(IAnsiConsole console, ExportFolderSummary summary)
    {
        static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("Type").AddColumn(new TableColumn("Files").RightAligned())
            .AddColumn(new TableColumn("Resources").RightAligned()).AddColumn(new TableColumn("Bytes").RightAligned());
        var hasManifest = summary.ManifestCounts.Count > 0;
        if (hasManifest)
        {
            table.AddColumn(new TableColumn("Manifest count").RightAligned());
        }

        foreach (var type in summary.Files.GroupBy(f => f.ResourceType ?? "(mixed)", StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var resources = type.Sum(f => f.Resources);
            var cells = new List<IRenderable>(OneLineCell.Row(type.Key, N(type.Count()), N(resources), N(type.Sum(f => f.Bytes))));
            if (hasManifest)
            {
                var announced = summary.ManifestCounts.TryGetValue(type.Key, out var count) ? count : (long?)null;
                // Servers miscount; a difference is worth a colour, not an error.
                cells.Add(new OneLineCell(announced is null ? "" : N(announced.Value), announced is null || announced == resources ? (Style?)null : new Style(Color.Yellow)));
            }

            table.AddRow(cells);
        }

        var bold = new Style(decoration: Decoration.Bold);
        table.AddRow(new OneLineCell("Total", bold), new OneLineCell(N(summary.Files.Count)), new OneLineCell(N(summary.Files.Sum(f => f.Resources)), bold), new OneLineCell(N(summary.Bytes)));
        console.Write(table);
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        grid.AddRow(OneLineCell.Row("Folder", summary.Folder));
        var time = summary.TransactionTimeText ?? (summary.TransactionTime is { } instant ? ValueText.Instant(instant) : null);
        grid.AddRow(new Text("transactionTime"), time is null ? new Markup("[grey](no manifest.json)[/]") : new OneLineCell(time));
        if (summary.Request is not null)
        {
            grid.AddRow(OneLineCell.Row("Request", summary.Request));
        }

        grid.AddRow("Server messages", summary.Errors == 0 ? "0" : ExportSummaryRenderer.ServerIssues(summary.ErrorIssues, summary.Errors, "red"));
        grid.AddRow("Deleted", N(summary.DeletedFiles.Sum(f => f.Resources)));
        grid.AddRow("Malformed lines", summary.MalformedLines.Count == 0 ? "0" : $"[red]{N(summary.MalformedLines.Count)}[/]");
        console.Write(new TrimmedLines(grid));
        foreach (var line in summary.MalformedLines.Examples)
        {
            console.WriteLine($"  {line}");
        }
    }
}

/// <summary><c>inspect --json</c>.</summary>
internal sealed record InspectJson(
    InspectJson.Verification? Verified,
    string Folder,
    string? TransactionTime,
    string? Request,
    IReadOnlyDictionary<string, long> Types,
    IReadOnlyDictionary<string, long> ManifestCounts,
    IEnumerable<InspectJson.TypeCountMismatch> CountMismatches,
    IEnumerable<InspectJson.FolderFileJson> Files,
    long Bytes,
    long Errors,
    IReadOnlyDictionary<string, long> ErrorIssues,
    long Deleted,
    long MalformedLines,
    string? Unfinished,
    string? StillRunning,
    string? ResumeCommand)
{
    internal sealed record Verification(int FilesChecked, long Bytes, bool Intact, bool ExportCompleted, IEnumerable<FileProblemJson> Problems);

    internal sealed record TypeCountMismatch(string Type, long Declared, long Found);

    internal sealed record FolderFileJson(string File, string? Type, long Resources, long Bytes);
}
