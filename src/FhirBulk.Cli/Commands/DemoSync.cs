using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using FhirBulk.Cli.Rendering;
using FhirBulk.Cli.Workshop;
using FhirBulk.Export;
using FhirBulk.Server;
using FhirBulk.Sync;
using FhirBulk.Workshop;
using Spectre.Console;

namespace FhirBulk.Cli.Commands;

/// <summary>
/// <c>demo --sync</c>: the workshop's tables kept current. An embedded server whose data moves on a simulated week at a
/// time, a first full sync, then two increments, each printed as the rows it added, replaced and deleted per table and
/// followed by the workshop's answers on the tables as they now are.
/// </summary>
internal static class DemoSync
{
    /// <summary>The first, full sync and the two increments after it.</summary>
    private const int Syncs = 3;

    /// <summary>The folder inside <c>--out</c> the sync keeps its increments and tables in.</summary>
    public const string FolderName = "sync";

    /// <summary>Runs the three syncs into <c>DIR/sync/</c>; returns the exit code.</summary>
    public static async Task<int> RunAsync(CliContext context, StepProgress steps, bool quiet, bool json, int patients, int seed, string outputDirectory, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(outputDirectory, FolderName);
        // A demo run replaces its own earlier sync folder: a new server's increments cannot follow the old one's.
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        var workshop = EmbeddedWorkshop.Load();
        var views = SyncViews.FromJson(workshop.Views);
        var options = new BulkDataServerOptions { Patients = patients, Seed = seed, Steps = 0 };
        var results = await DemoExports.WithServerAsync(context, steps, quiet, options, outputDirectory, async (server, client) =>
        {
            var sync = new FhirSync(client);
            var runs = new List<(SyncResult Result, WorkshopAnswers Answers)>();
            for (var run = 1; run <= Syncs; run++)
            {
                if (run > 1)
                {
                    var now = await server.AdvanceAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                    if (!quiet)
                    {
                        context.Out.WriteLine();
                        context.Out.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[green]✓[/] The server's data moved on a week (visits, resolved conditions, deletions, new patients): it is now {now:yyyy-MM-dd}");
                    }
                }

                var request = run == 1 ? new ExportRequest { Level = ExportLevel.Patient } : null;
                SyncResult? result = null;
                await ExportProgressView.RunAsync(
                    context, quiet, run == 1 ? "Sync 1 (full export)" : $"Sync {run} (changes since the last)",
                    async progress => (result = await sync.SyncAsync(folder, request, views, progress, cancellationToken).ConfigureAwait(false)).Export).ConfigureAwait(false);
                var answers = await WorkshopAnalysis.AnswerAsync(result!.TablesPath, workshop, cancellationToken).ConfigureAwait(false);
                runs.Add((result, answers));
                if (!json)
                {
                    Write(context.Out, result, answers);
                }
            }

            return runs;
        }, cancellationToken).ConfigureAwait(false);

        if (json)
        {
            // Each increment as sync --json prints it, plus its answers as demo --json gives them.
            var increments = new JsonArray();
            foreach (var (result, answers) in results)
            {
                // A JsonNode, not a JsonObject: given a JsonObject, increments.Add would be the generic Add<T>, which may need
                // reflection and so cannot be trusted under Native AOT.
                JsonNode increment = JsonSerializer.SerializeToNode(SyncResultJson.Of(result, views.Views), JsonOutput.Options.TypeInfo<SyncResultJson>())!;
                increment["answers"] = JsonSerializer.SerializeToNode(answers, DemoCommand.AnswersJson.TypeInfo<WorkshopAnswers>());
                increments.Add(increment);
            }

            JsonOutput.WriteRaw(context.Out, new JsonObject { ["directory"] = folder, ["increments"] = increments }.ToJsonString(JsonOutput.Options));
        }
        else
        {
            var database = results[^1].Result.TablesPath;
            context.Out.MarkupLineInterpolated($"Increments and tables in {folder}.");
            DemoCommand.WriteTryQuery(context.Out, database, "SELECT _resource_key, code, display FROM conditions LIMIT 5");
        }

        return results.All(r => r.Result.Export.Outcome == ExportOutcome.Success) ? ExitCodes.Success : ExitCodes.PartialSuccess;
    }

    private static void Write(IAnsiConsole console, SyncResult result, WorkshopAnswers answers)
    {
        console.WriteLine();
        var what = result.Increment == 1
            ? $"Increment 1, the full export: {result.Export.TotalResources:N0} resources"
            : $"Increment {result.Increment}: {result.Export.TotalResources:N0} resources new or changed, {result.DeletedResources:N0} deleted";
        console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"{what}; transactionTime {result.TransactionTime}.")));
        console.Write(SyncRenderer.Changes(result));
        console.WriteLine();
        AnswersRenderer.Write(console, answers, []);
    }
}
