using System.CommandLine;
using System.Globalization;
using FhirBulk.Cli.Rendering;
using FhirBulk.Cli.Settings;
using FhirBulk.Export;
using FhirBulk.Sync;
using Spectre.Console;

namespace FhirBulk.Cli.Commands;

/// <summary><c>fhir-bulk sync</c>: the next increment of a sync folder, exported with <c>_since</c> and applied to its tables.</summary>
internal static class SyncCommand
{
    private sealed class Options
    {
        public ConnectionOptions Connection { get; } = new();

        public ExportRequestOptions Request { get; } = new();

        public Option<string> Out { get; } = new("--out", "-o")
        {
            Description = "The sync folder: increments/NNNN/ (one export folder each), tables.duckdb and sync.json.",
            HelpName = "SYNC_DIR",
            Required = true,
        };

        public Option<string?> View { get; } = new("--view")
        {
            Description = "A ViewDefinition JSON file or a folder of them: one table each. A change since the last sync rebuilds the tables from every increment. Required unless --compact.",
            HelpName = "FILE|DIR",
        };

        public Option<string?> Format { get; } = new Option<string?>("--format", "-f")
        {
            Description = "Where the tables go: duckdb (SYNC_DIR/tables.duckdb) or parquet (a lake of snapshots in SYNC_DIR/lake/). Default: the folder's, duckdb for a new one. Changing it rebuilds the tables from every increment.",
        }.AcceptOnlyFromAmong("duckdb", "parquet");

        public Option<bool> Compact { get; } = new("--compact")
        {
            Description = "Export nothing: rewrite the Parquet lake's current rows as one snapshot without tombstones and delete the older snapshots.",
        };

        public Option<bool> Json { get; } = CommonOptions.Json();

        public Option<bool> Quiet { get; } = CommonOptions.Quiet();

        public WaitOptions Waits { get; } = new();

        public void AddTo(Command command)
        {
            Connection.AddTo(command);
            foreach (var option in Request.All.Concat([Out, View, Format, Compact, Json, Quiet]).Concat(Waits.All))
            {
                command.Options.Add(option);
            }
        }
    }

    public static Command Create(CliContext context)
    {
        var options = new Options();
        var command = new Command(
            "sync",
            "Keep tables current: the first run exports everything, each later run exports what changed since the previous "
            + "one (_since = its transactionTime) and applies new versions and deletions to the tables in one transaction.");
        options.AddTo(command);
        command.SetRunner(context, (parseResult, cancellationToken) => RunAsync(context, options, parseResult, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, Options options, ParseResult parseResult, CancellationToken cancellationToken)
    {
        var outText = parseResult.GetValue(options.Out)!;
        if (CliContext.StoreLocation("--out", outText) is not null)
        {
            // Without this, s3://bucket/mart became a local folder named 's3:'.
            throw new CliException($"--out {outText}: sync keeps its increments and tables in a local folder; object storage is for export --out and view's Parquet lake.", ExitCodes.Usage);
        }

        var directory = Path.GetFullPath(outText);
        if (parseResult.GetValue(options.Compact))
        {
            return await CompactAsync(context, directory, parseResult.GetValue(options.Json), cancellationToken).ConfigureAwait(false);
        }

        var viewPath = parseResult.GetValue(options.View) ?? throw new CliException("--view is required: the views to keep tables of (or --compact, to rewrite a lake).", ExitCodes.Usage);
        var views = SyncViews.Load(viewPath);
        MessageLines.ViewWarnings(context.Error, views.Views);
        // Later runs need only the folder: the latest increment recorded how it connected and what it asked for.
        var recorded = FhirSync.ReadLatestExportSettings(directory);
        var request = recorded is null || options.Request.FirstGiven(parseResult) is not null ? options.Request.Create(parseResult) : null;
        if (request is not null)
        {
            try
            {
                FhirSync.ValidateRequest(request);
            }
            catch (ArgumentException e)
            {
                throw new CliException(e.ParamName == "request" ? $"--type-filter: {ErrorText.WithoutParameter(e)}" : ErrorText.WithoutParameter(e), ExitCodes.Usage, e);
            }
        }

        WarnTypesLeftOut(context, views, (request ?? recorded?.Request)?.Types);
        var created = OutputFolder.Create(directory, "--out");
        var settings = new ConnectionResolver(context.Environment).Resolve(parseResult, options.Connection, recorded);
        var json = parseResult.GetValue(options.Json);
        using var logging = context.CreateLoggerFactory(CommonOptions.IsVerbose(parseResult));
        var waits = new WaitNotes(context);
        using var client = ClientFactory.Create(settings, logging, waits, o => options.Waits.Apply(parseResult, o));
        var format = parseResult.GetValue(options.Format) switch { "parquet" => SyncFormat.Parquet, "duckdb" => SyncFormat.DuckDb, _ => (SyncFormat?)null };
        var sync = new FhirSync(client, new FhirSyncOptions { Format = format }, logger: Microsoft.Extensions.Logging.LoggerFactoryExtensions.CreateLogger<FhirSync>(logging));
        SyncResult? result = null;
        try
        {
            await ExportProgressView.RunAsync(
                context,
                json || parseResult.GetValue(options.Quiet),
                "Sync",
                async progress => (result = await sync.SyncAsync(directory, request, views, progress, cancellationToken).ConfigureAwait(false)).Export,
                waits: waits).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested)
        {
            throw new CliException("cancelled.", ExitCodes.Cancelled, e) { Hint = AgainHint(directory, viewPath, format, e) };
        }
        catch (FhirBulkException e) when (e is not ExportFolderException and not AuthenticationException)
        {
            var (code, message) = ErrorReporter.Classify(e);
            throw new CliException(message, code, e) { Hint = AgainHint(directory, viewPath, format, e) };
        }
        finally
        {
            // A first sync no server took leaves the folder as it was (the library empties it): not there, if this run made it.
            if (result is null)
            {
                OutputFolder.RemoveIfEmpty(created);
            }
        }

        if (result!.DescribeRebuild() is { } cause)
        {
            MessageLines.Labelled(context.Error, "[yellow]note:[/]", $"{cause}: the tables were rebuilt from all {result.RebuiltFrom} increments.");
        }

        if (result.PendingApplied is { } pending)
        {
            MessageLines.Labelled(context.Error, "[yellow]note:[/]", $"increment {pending:D4}, exported by an earlier run that was stopped before its table update, was applied first; the changes below include it.");
        }

        if (json)
        {
            JsonOutput.Write(context.Out, SyncResultJson.Of(result, views.Views));
        }
        else
        {
            Write(context.Out, result);
        }

        return ExitCodes.Success;
    }

    /// <summary>
    /// A view whose resource type the request's <c>--type</c> leaves out gets an empty table on every run, which <c>view</c>
    /// would warn of (no such resources in its input): said once per view here too.
    /// </summary>
    private static void WarnTypesLeftOut(CliContext context, SyncViews views, IReadOnlyList<string>? types)
    {
        if (types is not { Count: > 0 })
        {
            return;
        }

        foreach (var view in views.Views.Where(v => !types.Contains(v.Schema.Resource, StringComparer.Ordinal)))
        {
            MessageLines.Warning(context.Error, $"{view.Schema.Name} reads {view.Schema.Resource} resources, which --type ({string.Join(",", types)}) leaves out of every increment: table {view.Schema.Name} stays empty.");
        }
    }

    private static void Write(IAnsiConsole console, SyncResult result)
    {
        console.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"Increment {result.Increment} ({Path.GetRelativePath(result.Directory, result.IncrementDirectory)}): {result.Export.TotalResources:N0} resources, {result.DeletedResources:N0} deleted; transactionTime {result.TransactionTime}.")));
        console.Write(SyncRenderer.Changes(result));
        if (result.RefusedRemoved > 0)
        {
            console.MarkupLine(Markup.Escape($"Removed {Counted.Of(result.RefusedRemoved, "refused export")} of applied increments from refused/ (their changes are in the tables now)."));
        }

        console.MarkupLine(Markup.Escape($"Tables in {result.TablesPath}; the next sync exports changes since {result.TransactionTime}."));
    }

    /// <summary>
    /// Running the same command again carries an interrupted or failed increment on (its export resumed, then applied).
    /// Said once here, so the error line above need not: and "unchanged" would be wrong of a first sync, which has none.
    /// </summary>
    /// <remarks>
    /// Before any export of the folder was taken (a wrong --server, a refused request) nothing recorded the server, so the
    /// short command would fail: then the same command line again, corrected. A first increment refused as incomplete was
    /// exported, though (the error line says where it is kept), so "nothing was exported" and "the right --server" would
    /// both be wrong of it.
    /// </remarks>
    private static string AgainHint(string directory, string viewPath, SyncFormat? format, Exception error) =>
        FhirSync.ReadLatestExportSettings(directory) is null
            ? error is IncompleteIncrementException
                ? "Nothing was applied to the tables. Run the same command again: it exports these changes again."
                : "Nothing was exported or applied. Run the same command again (with the right --server, if it was wrong)."
            : $"Nothing was applied to the tables. To carry on, run the same sync again:\n  fhir-bulk sync --out {CommandLineText.Quote(directory)} --view {CommandLineText.Quote(viewPath)}"
                + (format == SyncFormat.Parquet ? " --format parquet" : string.Empty);

    private static async Task<int> CompactAsync(CliContext context, string directory, bool json, CancellationToken cancellationToken)
    {
        var snapshot = await FhirSync.CompactAsync(directory, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (json)
        {
            JsonOutput.Write(context.Out, new SyncCompactJson(directory, snapshot.Snapshot, snapshot.Increment, snapshot.TransactionTime, snapshot.Rows));
        }
        else
        {
            context.Out.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"Compacted the lake into snapshot {snapshot.Snapshot} ({snapshot.Rows.Values.Sum():N0} rows in {snapshot.Rows.Count} tables, as of increment {snapshot.Increment}, transactionTime {snapshot.TransactionTime}); the older snapshots are deleted.")));
        }

        return ExitCodes.Success;
    }
}

/// <summary><c>sync --compact --json</c>.</summary>
internal sealed record SyncCompactJson(string Directory, int Snapshot, int Increment, string TransactionTime, IReadOnlyDictionary<string, long> Tables);
