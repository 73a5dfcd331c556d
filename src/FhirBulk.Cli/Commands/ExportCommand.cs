using System.CommandLine;
using System.Globalization;
using FhirBulk.Cli.Rendering;
using FhirBulk.Cli.Settings;
using FhirBulk.Export;
using Spectre.Console;

namespace FhirBulk.Cli.Commands;

/// <summary><c>fhir-bulk export</c>: a complete, verified, resumable Bulk Data export to a folder.</summary>
internal static class ExportCommand
{
    private sealed class Options
    {
        public ConnectionOptions Connection { get; } = new();

        public ExportRequestOptions Request { get; } = new();

        public Option<string?> Since { get; } = new("--since")
        {
            Description = "Only resources changed after this instant (_since), or 'auto' for the transactionTime of the previous export in --out.",
            HelpName = "INSTANT|auto",
        };

        public Option<string?> Until { get; } = new("--until")
        {
            Description = "Only resources changed before this instant (_until).",
            HelpName = "INSTANT",
        };

        public Option<string?> Out { get; } = new("--out", "-o")
        {
            Description = "Output folder, or an object-store prefix (s3://bucket/prefix, az://container/prefix, https://ACCOUNT.blob.core.windows.net/container/prefix) with credentials from the cloud's own chain. Default: ./export-<timestamp>.",
            HelpName = "DIR|URL",
        };

        public Option<Uri?> S3Endpoint { get; } = CommonOptions.S3Endpoint();

        public Option<int?> Parallel { get; } = new("--parallel")
        {
            Description = "Files downloaded at once. Default: 4, or what the resumed export used.",
            HelpName = "N",
        };

        public Option<bool> Strict { get; } = new("--strict")
        {
            Description = "Fail on the first line that is not JSON of the expected resourceType (default: count and report).",
        };

        public Option<string?> Compression { get; } = new Option<string?>("--compression")
        {
            Description = "Ask for gzip-compressed downloads: auto (yes unless the server is on this machine), gzip or none. Default: auto, or what the resumed export used.",
        }.AcceptOnlyFromAmong("auto", "gzip", "none");

        public Option<bool> GzipFiles { get; } = new("--gzip-files")
        {
            Description = "Store files gzip-compressed as <Type>.<NNN>.ndjson.gz (counts and SHA-256 still describe the NDJSON).",
        };

        public Option<string?> Resume { get; } = new("--resume")
        {
            Description = "Carry on an interrupted export in DIR (or at an object-store URL): re-poll if the job was not done, fetch only what is missing. DIR records the server, request, credentials (never a key given as text) and options; anything given now overrides them.",
            HelpName = "DIR|URL",
        };

        public Option<string?> Cancel { get; } = new("--cancel")
        {
            Description = "Cancel the server job of the export in DIR (DELETE on its status URL).",
            HelpName = "DIR",
        };

        public Option<bool> Force { get; } = new("--force")
        {
            Description = "Move files in the output folder that this export did not write (NDJSON, manifest.json, error/, deleted/) under history/<timestamp>/ instead of refusing to start.",
        };

        public Option<bool> KeepJob { get; } = new("--keep-job")
        {
            Description = "Do not delete the job on the server after a complete download (a resume also keeps it when the export was started with this).",
        };

        public Option<bool> Json { get; } = CommonOptions.Json();

        public WaitOptions Waits { get; } = new();

        public Option<bool> Quiet { get; } = CommonOptions.Quiet();

        public void AddTo(Command command)
        {
            Connection.AddTo(command);
            foreach (var option in new Option[]
                     {
                         Request.Level, Request.Group, Request.Type, Since, Until, Request.TypeFilter, Request.Elements, Request.Patient, Request.Post, Request.Lenient,
                         Out, S3Endpoint, Parallel, Strict, Compression, GzipFiles, Resume, Cancel, Force, KeepJob, Json, Quiet,
                     })
            {
                command.Options.Add(option);
            }

            foreach (var option in Waits.All)
            {
                command.Options.Add(option);
            }
        }
    }

    public static Command Create(CliContext context)
    {
        var options = new Options();
        var command = new Command(
            "export",
            "Run a Bulk Data $export (Patient level by default) into a folder, with live progress, "
            + "verification, resume and a summary.");
        options.AddTo(command);
        command.SetRunner(context, (parseResult, cancellationToken) => RunAsync(context, options, parseResult, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, Options options, ParseResult parseResult, CancellationToken cancellationToken)
    {
        var resume = parseResult.GetValue(options.Resume);
        var cancel = parseResult.GetValue(options.Cancel);
        if (resume is not null && cancel is not null)
        {
            throw new CliException("--resume and --cancel cannot be used together.", ExitCodes.Usage);
        }

        // An object-store prefix is the export's folder: the same state, manifest and log, as objects.
        using var store = OpenStore(resume is not null ? "--resume" : cancel is not null ? "--cancel" : "--out", resume ?? cancel ?? parseResult.GetValue(options.Out), parseResult.GetValue(options.S3Endpoint));
        if (store is not null && (cancel is not null || parseResult.GetValue(options.Since) is "auto"))
        {
            throw new CliException($"{(cancel is not null ? "--cancel" : "--since auto")} works on a local folder only, not on {store.Location}.", ExitCodes.Usage);
        }

        // Carrying on (or cancelling) an export needs nothing but its folder: what it recorded fills in every setting
        // not given now (see ConnectionResolver for the order).
        var recorded = store is not null && resume is not null ? await BulkDataClient.ReadExportSettingsAsync(store, cancellationToken).ConfigureAwait(false)
            : (resume ?? cancel) is { } folder ? BulkDataClient.ReadExportSettings(folder) : null;
        if (resume is not null)
        {
            RefuseChangesOnResume(options, parseResult, recorded);
        }

        var settings = new ConnectionResolver(context.Environment).Resolve(parseResult, options.Connection, recorded);
        var json = parseResult.GetValue(options.Json);
        using var logging = context.CreateLoggerFactory(CommonOptions.IsVerbose(parseResult));
        var waits = new WaitNotes(context);
        using var client = ClientFactory.Create(settings, logging, waits, o =>
        {
            if ((parseResult.GetValue(options.Parallel) ?? recorded?.MaxParallelDownloads) is { } parallel)
            {
                if (parallel < 1)
                {
                    throw new CliException($"--parallel must be 1 or more, not {parallel}.", ExitCodes.Usage);
                }

                o.MaxParallelDownloads = parallel;
            }

            o.MalformedLines = parseResult.GetValue(options.Strict) ? ErrorPolicy.Fail : ErrorPolicy.Skip;
            o.DeleteJobAfterDownload = !parseResult.GetValue(options.KeepJob) && (recorded?.DeleteJobAfterDownload ?? true);
            o.TransferCompression = parseResult.GetValue(options.Compression) switch
            {
                "gzip" => TransferCompression.Gzip,
                "none" => TransferCompression.None,
                "auto" => TransferCompression.Auto,
                _ => recorded?.TransferCompression ?? TransferCompression.Auto,
            };
            o.CompressOutput = parseResult.GetValue(options.GzipFiles);
            o.ForeignFiles = parseResult.GetValue(options.Force) ? ForeignFilePolicy.MoveToHistory : ForeignFilePolicy.Refuse;
            options.Waits.Apply(parseResult, o);
        });

        if (cancel is not null)
        {
            // A complete export has nothing left to cancel; its DELETE only tells the server its files are no longer needed
            // (Bulk Data IG, "Delete a Bulk Data Request"), and the folder stays a complete export.
            var complete = BulkDataClient.ReadLastTransactionTime(cancel) is not null;
            var deleted = await client.CancelExportAsync(cancel, cancellationToken).ConfigureAwait(false);
            var message = (complete, deleted) switch
            {
                (true, true) => $"The export in {cancel} was already complete: nothing to cancel. The server was told its files are no longer needed.",
                (true, false) => $"The export in {cancel} was already complete: nothing to cancel (the server no longer holds its job).",
                (false, true) => $"Cancelled the export of {cancel} on the server.",
                (false, false) => $"The server no longer knew the export of {cancel}; the folder is marked cancelled.",
            };
            if (json)
            {
                JsonOutput.Write(context.Out, new ExportCancelJson(Path.GetFullPath(cancel), deleted, complete));
            }
            else
            {
                // One line whatever the console width: it names a path a person may copy.
                context.Out.Profile.Out.Writer.WriteLine(message);
            }

            return ExitCodes.Success;
        }

        var directory = store?.Location.ToString() ?? Path.GetFullPath(resume ?? parseResult.GetValue(options.Out)
            ?? $"export-{context.TimeProvider.GetUtcNow().ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}");
        // The request is checked (usage errors, exit 2) before anything is made on disk.
        var request = resume is null ? CreateRequest(options, parseResult, directory, client, context) : null;
        if (store is null && resume is null)
        {
            OutputFolder.Create(directory, "--out");
        }

        ExportResult result;
        try
        {
            result = await ExportProgressView.RunAsync(
                context,
                json || parseResult.GetValue(options.Quiet),
                resume is null ? "Export" : "Resume",
                progress => (resume, store) switch
                {
                    (null, null) => client.ExportToDirectoryAsync(request!, directory, progress, cancellationToken),
                    (null, _) => client.ExportToStoreAsync(request!, store, progress, cancellationToken),
                    (_, null) => client.ResumeExportAsync(directory, progress, cancellationToken),
                    _ => client.ResumeExportAsync(store, progress, cancellationToken),
                },
                resuming: resume is not null,
                waits).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested)
        {
            throw new CliException("cancelled; the export state is kept.", ExitCodes.Cancelled, e) { Hint = ResumeHint(directory, settings, parseResult.GetValue(options.S3Endpoint)) };
        }
        catch (FhirBulkException e) when (e is not AuthenticationException && e is not ExportFolderException { IsWriteFailure: false })
        {
            // The server failed, files could not be fetched or the disk filled up: the state is saved and a resume retries
            // what is missing. (Refused credentials and a folder that cannot be used would fail the same way again, so they
            // get no such hint.)
            var (code, message) = ErrorReporter.Classify(e);
            // A transient failure (the server unreachable, say) is worth carrying on later; a refused kick-off is not.
            // Either way only where the export's state was written: a store refused before that (unreachable, no such
            // container) holds nothing that `--resume` could carry on.
            var kickedOff = await KickedOffAsync(directory, store, cancellationToken).ConfigureAwait(false);
            // A new export the server never started (its kick-off refused or unanswered: a wrong --server, say) leaves the
            // folder as it was, so a resume could only ask the same URL again: the same command is what carries on.
            var resumable = resume is null ? kickedOff == true : kickedOff is not null && (e.IsTransient || kickedOff.Value);
            throw new CliException(message, code, e)
            {
                Hint = resumable ? ResumeHint(directory, settings, parseResult.GetValue(options.S3Endpoint))
                    : resume is null && e.IsTransient && e is not (ExportFolderException or StorageException)
                        ? $"The server started nothing and {directory} is as it was: run the same export again once the server answers (or with the right --server)."
                        : null,
            };
        }

        if (json)
        {
            JsonOutput.Write(context.Out, ExportSummaryRenderer.Json(result));
        }
        else
        {
            ExportSummaryRenderer.Write(context.Out, result, resumed: resume is not null);
        }

        return result.Outcome == ExportOutcome.Success ? ExitCodes.Success : ExitCodes.PartialSuccess;
    }

    /// <summary>
    /// Whether the server took the export's kick-off (a refused one has nothing to resume: the corrected command starts
    /// afresh), or <see langword="null"/> when no export state was written at all.
    /// </summary>
    private static async Task<bool?> KickedOffAsync(string directory, FhirBulk.Storage.ObjectStore? store, CancellationToken cancellationToken)
    {
        try
        {
            return store is null
                ? BulkDataClient.ReadExportSettings(directory).KickedOff
                : (await BulkDataClient.ReadExportSettingsAsync(store, cancellationToken).ConfigureAwait(false)).KickedOff;
        }
        catch (Exception e) when (e is ExportFolderException or StorageException)
        {
            return null;
        }
    }

    /// <summary>
    /// The command that carries the export in <paramref name="directory"/> on, as it can be pasted into a POSIX shell:
    /// the folder records everything else, except a key given as text.
    /// </summary>
    private static string ResumeHint(string directory, ConnectionSettings settings, Uri? s3Endpoint) =>
        (settings.PrivateKey is null ? "To carry on, run:" : $"To carry on, set {ConnectionResolver.PrivateKeyVariable} again, then run:")
        + $"\n  {CommandLineText.ResumeExport(directory, s3Endpoint)}";

    /// <summary>The store an <c>--out</c>, <c>--resume</c> or <c>--cancel</c> URL names, or <see langword="null"/> for a local folder.</summary>
    /// <exception cref="StorageException">A URL that is malformed or carries a secret (refused without repeating it, naming <paramref name="option"/>).</exception>
    private static FhirBulk.Storage.ObjectStore? OpenStore(string option, string? location, Uri? s3Endpoint) =>
        location is not null && CliContext.StoreLocation(option, location) is { } parsed
            ? FhirBulk.Storage.ObjectStore.Create(parsed, CommonOptions.StoreOptions(s3Endpoint))
            : null;

    /// <summary>
    /// A resume carries on the request the export started with, and stores and checks files as it started (the library
    /// sees to it): asking for something else is refused rather than silently ignored.
    /// </summary>
    private static void RefuseChangesOnResume(Options options, ParseResult parseResult, ExportFolderSettings? recorded)
    {
        if (parseResult.GetValue(options.GzipFiles) && recorded?.CompressOutput == false)
        {
            throw new CliException("--gzip-files: this export was started without it, and a resume stores files as the export started.", ExitCodes.Usage);
        }

        if (parseResult.GetValue(options.Strict) && recorded?.MalformedLines == ErrorPolicy.Skip)
        {
            throw new CliException("--strict: this export was started without it, and a resume checks files as the export started.", ExitCodes.Usage);
        }

        // The server's job was kicked off with the recorded request; a changed one would describe files the job never made.
        Option[] request = [.. options.Request.All, options.Since, options.Until, options.Out];
        if (request.FirstOrDefault(o => parseResult.GetResult(o) is { Implicit: false }) is { } given)
        {
            throw new CliException($"{given.Name} cannot change on --resume: the export carries on with the request it was started with (start a new export into another folder for another one).", ExitCodes.Usage);
        }
    }

    /// <exception cref="ExportFolderException"><c>--since auto</c>, and the folder's last export was of another server or request.</exception>
    private static ExportRequest CreateRequest(Options options, ParseResult parseResult, string directory, BulkDataClient client, CliContext context)
    {
        var request = options.Request.Create(parseResult) with
        {
            Until = parseResult.GetValue(options.Until) is { } until ? Instant(until, "--until") : null,
        };
        DateTimeOffset? since = null;
        if (parseResult.GetValue(options.Since) is { } sinceText)
        {
            if (string.Equals(sinceText, "auto", StringComparison.OrdinalIgnoreCase))
            {
                since = client.ReadSinceFor(directory, request);
                if (since is null && !parseResult.GetValue(options.Json))
                {
                    MessageLines.Labelled(context.Error, "[yellow]note:[/]", $"no complete export in {directory}: --since auto exports everything.");
                }
            }
            else
            {
                since = Instant(sinceText, "--since");
            }
        }

        return request with { Since = since };
    }

    private static DateTimeOffset Instant(string text, string option) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value)
            ? value
            : throw new CliException($"{option} '{text}' is not an instant (e.g. 2024-01-31T00:00:00Z).", ExitCodes.Usage);
}

/// <summary><c>export --cancel --json</c>.</summary>
internal sealed record ExportCancelJson(string Directory, bool DeletedOnServer, bool AlreadyComplete);
