using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using FhirBulk.Cli.Rendering;
using FhirBulk.Ndjson;
using FhirBulk.Server;
using Spectre.Console;

namespace FhirBulk.Cli.Commands;

/// <summary><c>fhir-bulk serve</c>: the embedded Bulk Data server on 127.0.0.1 until stopped.</summary>
internal static class ServeCommand
{
    public static Command Create(CliContext context)
    {
        var port = new Option<int>("--port", "-p")
        {
            Description = "Port on 127.0.0.1; 0 picks a free one.",
            DefaultValueFactory = _ => 0,
        };
        var patients = new Option<int>("--patients", "-n")
        {
            Description = "Patients in the generated population (ignored with --data).",
            DefaultValueFactory = _ => 100,
        };
        var seed = new Option<int>("--seed")
        {
            Description = "Seed of the generated population.",
            DefaultValueFactory = _ => 0,
        };
        var data = new Option<string?>("--data")
        {
            Description = "Serve a folder of NDJSON (e.g. a real export) instead of a generated population.",
            HelpName = "DIR",
        };
        var noAuth = new Option<bool>("--no-auth")
        {
            Description = "Open server: no token needed, manifests say requiresAccessToken: false.",
        };
        var clients = new Option<string?>("--clients")
        {
            Description = "JSON file of registered clients: [{\"client_id\", \"jwks\" | \"jwks_url\", \"scope\"}].",
            HelpName = "FILE",
        };
        var resourcesPerFile = new Option<int?>("--resources-per-file")
        {
            Description = "Split export files after this many resources. Default: 10000.",
            HelpName = "N",
        };
        var tokenLifetime = new Option<int?>("--token-lifetime")
        {
            Description = "Access token lifetime in seconds. Default: 300.",
            HelpName = "SECONDS",
        };
        var capabilityUrls = new Option<bool>("--capability-urls")
        {
            Description = "Serve files from a second origin by unguessable signed URLs with requiresAccessToken: false (catches token leaks).",
        };
        var steps = new Option<int?>("--steps")
        {
            Description = "Put the data on a simulated timeline and play N weekly steps of change at start (visits, resolved conditions, deletions, "
                + "Group moves, new patients); exports then carry the data's time as transactionTime, not the clock's. "
                + "With --data, DIR must have a timeline ('fhir-bulk generate --steps N' starts one, N may be 0) and the steps are written into DIR/steps/ after its own.",
            HelpName = "N",
        };
        var advanceEvery = new Option<int?>("--advance-every")
        {
            Description = "Play one more step of change every SECONDS seconds (starts the timeline at --steps, default 0). "
                + "With --data, DIR must have a timeline as for --steps, and each step is written into DIR/steps/.",
            HelpName = "SECONDS",
        };
        var faults = new FaultOptionSet();
        var json = CommonOptions.Json();
        var command = new Command(
            "serve",
            "Run the embedded FHIR Bulk Data server on 127.0.0.1, print its base URL and serve until Ctrl-C. "
            + "Faults can also be set per request by a base64url JSON segment in the URL, as on the public SMART server.")
        {
            port, patients, seed, data, noAuth, clients, resourcesPerFile, tokenLifetime, capabilityUrls, steps, advanceEvery, json,
        };
        faults.AddTo(command);
        command.SetRunner(context, async (parseResult, cancellationToken) =>
        {
            var every = parseResult.GetValue(advanceEvery);
            if (every < 1)
            {
                throw new CliException($"--advance-every is a number of seconds, at least 1, not {every}.", ExitCodes.Usage);
            }

            if (parseResult.GetValue(data) is { } dataPath && !Directory.Exists(dataPath))
            {
                // Named by the option, as view --input and generate --out name theirs; the server's own word is "Data directory".
                throw GenerateCommand.Interrupted($"--data {dataPath}", dataPath) ?? new CliException(
                    File.Exists(dataPath)
                        ? $"--data {dataPath} is a file, not a folder: give a folder of TYPE.NNN.ndjson files, such as one 'fhir-bulk generate --out DIR' wrote."
                        : $"--data {dataPath} does not exist: give a folder of TYPE.NNN.ndjson files, such as one 'fhir-bulk generate --out DIR' wrote.",
                    ExitCodes.InvalidInput);
            }

            if (parseResult.GetValue(data) is { } staged && PopulationGenerator.StagedFor(staged) is { } meant)
            {
                // What a killed generate leaves holds part of a population, which would be served as if it were whole.
                throw new CliException(
                    $"--data {staged} is a population generate did not finish (it was killed while writing it): run 'fhir-bulk generate --out {CommandLineText.Quote(meant)}' again, which replaces it, and serve that folder.",
                    ExitCodes.InvalidInput);
            }

            var options = new BulkDataServerOptions
            {
                Port = parseResult.GetValue(port),
                Patients = parseResult.GetValue(patients),
                Seed = parseResult.GetValue(seed),
                DataDirectory = parseResult.GetValue(data),
                RequireAuth = !parseResult.GetValue(noAuth),
                ClientsFile = parseResult.GetValue(clients),
                CapabilityUrls = parseResult.GetValue(capabilityUrls),
                Faults = faults.Read(parseResult),
                Steps = parseResult.GetValue(steps) ?? (every is null ? null : 0),
            };
            if (parseResult.GetValue(resourcesPerFile) is { } perFile)
            {
                options.ResourcesPerFile = perFile;
            }

            if (parseResult.GetValue(tokenLifetime) is { } lifetime)
            {
                options.AccessTokenLifetime = TimeSpan.FromSeconds(lifetime);
            }

            BulkDataServer server;
            try
            {
                server = await BulkDataServer.StartAsync(options, cancellationToken).ConfigureAwait(false);
            }
            catch (ArgumentException e)
            {
                // The options' own names for the server's settings, so that the line says which option to change.
                var option = e.ParamName switch
                {
                    nameof(BulkDataServerOptions.Port) => "--port",
                    nameof(BulkDataServerOptions.Steps) => "--steps",
                    nameof(BulkDataServerOptions.ResourcesPerFile) => "--resources-per-file",
                    nameof(BulkDataServerOptions.Patients) => "--patients",
                    nameof(BulkDataServerOptions.AccessTokenLifetime) => "--token-lifetime",
                    _ => null,
                };
                var message = ErrorText.WithoutParameter(e);
                // A value the server refuses is a wrong command line as much as one the parser refuses (exit 2, with the same hint).
                throw new CliException(option is null ? message : $"{option}: {message}", ExitCodes.Usage, e);
            }
            catch (FormatException e)
            {
                // The server's own word for a clients file or data folder it cannot use; it names the file. The server does
                // not reference the library, so a JSON parse failure in it still carries .NET's 0-based "LineNumber: 2 |
                // BytePositionInLine: 11": that part is worded as every other command words a JSON error.
                var message = e.InnerException is JsonException json
                    ? e.Message.Replace(json.Message, ErrorText.Describe(json), StringComparison.Ordinal)
                    : e.Message;
                throw new CliException(message, ExitCodes.InvalidInput, e);
            }

            await using (server.ConfigureAwait(false))
            {
                if (options.DataDirectory is { } folder && server.ResourceTypes.Count == 0)
                {
                    // Served all the same (an empty server is a fair test peer), but a mistyped or not yet generated folder should not pass unnoticed.
                    MessageLines.Warning(context.Error, NothingToServe(folder));
                }

                if (parseResult.GetValue(json))
                {
                    // One line, the first, as the banner's URL: a script reads it while the server runs (docs/cli.md).
                    JsonOutput.WriteLine(context.Out, new ServeAnswer(
                        server.BaseUri,
                        options.RequireAuth ? server.TokenEndpoint : null,
                        options.RequireAuth ? server.RegistrationEndpoint : null,
                        options.RequireAuth));
                }
                else
                {
                    WriteBanner(context.Out, server, options, writesSteps: options.Steps > 0 || every is not null, faults.AnySet(parseResult));
                }

                try
                {
                    if (every is { } seconds)
                    {
                        await AdvanceEveryAsync(context.Out, server, TimeSpan.FromSeconds(seconds), parseResult.GetValue(json), cancellationToken).ConfigureAwait(false);
                    }

                    await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Ctrl-C is how a server is meant to stop: not a failure.
                }
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>
    /// Why a <c>--data</c> folder gives the server no resources, and the one thing to do that works there: the subfolders
    /// holding the NDJSON named as <c>view --input</c> names them (a folder one level off, such as <c>demo</c>'s
    /// <c>export/</c>); gzip files, which the server does not serve, said as such; <c>generate</c> suggested only where it
    /// would run, in an empty folder (it refuses one holding anything).
    /// </summary>
    private static string NothingToServe(string folder)
    {
        const string Empty = "every export will be empty.";
        var gzip = Directory.EnumerateFiles(folder, "*.ndjson.gz").Count();
        if (gzip > 0)
        {
            // The server answers a manifest with its own TYPE.NNN.ndjson files, split and filtered line by line (_type,
            // _since, a Group's members), so it reads plain NDJSON; an export with --gzip-files keeps only .ndjson.gz.
            return $"{folder} holds no resources the server can serve: its {Counted.Of(gzip, "file")} {(gzip == 1 ? "is" : "are")} gzip (*.ndjson.gz), "
                + $"and the server reads plain TYPE.NNN.ndjson files only; {Empty} Unpack them beside themselves first: gunzip -k {CommandLineText.Quote(folder)}/*.ndjson.gz";
        }

        var below = NdjsonSource.SubfolderHint(folder);
        if (below.Length > 0)
        {
            return $"{folder} holds no TYPE.NNN.ndjson files{below}: {Empty}";
        }

        return Directory.EnumerateFileSystemEntries(folder).Any()
            ? $"{folder} holds no resources (no TYPE.NNN.ndjson files): {Empty}"
            : $"{folder} holds no resources (no TYPE.NNN.ndjson files): {Empty} Generate a population into it with 'fhir-bulk generate --out {folder}'.";
    }

    /// <summary>Plays a step of change every <paramref name="interval"/> until cancelled, saying so unless the output is JSON.</summary>
    private static async Task AdvanceEveryAsync(IAnsiConsole console, BulkDataServer server, TimeSpan interval, bool quiet, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            var dataTime = await server.AdvanceAsync(1, cancellationToken).ConfigureAwait(false);
            if (!quiet)
            {
                console.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"[grey]Step {server.Steps}: data time {dataTime:yyyy-MM-ddTHH:mm:ssZ}[/]"));
            }
        }
    }

    private static void WriteBanner(IAnsiConsole console, BulkDataServer server, BulkDataServerOptions options, bool writesSteps, bool faultsInjected)
    {
        // The base URL is on a line of its own so scripts can read it from the first line.
        console.Profile.Out.Writer.WriteLine(server.BaseUri);
        console.Profile.Out.Writer.Flush();
        // URLs and paths whole on their line, cut with … only where a terminal cannot hold them (docs/cli.md, Width).
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        grid.AddRow(OneLineCell.Row("Data", options.DataDirectory ?? $"{options.Patients:N0} generated patients (seed {options.Seed})"));
        grid.AddRow("Auth", options.RequireAuth ? "SMART Backend Services (RS384, ES384)" : "[yellow]none (--no-auth)[/]");
        if (options.RequireAuth)
        {
            grid.AddRow(OneLineCell.Row("Token endpoint", server.TokenEndpoint.ToString()));
            grid.AddRow(OneLineCell.Row("Register a client", $"POST {server.RegistrationEndpoint} (form field jwks or jwks_url)"));
        }

        // Whenever the data has a timeline (a --data folder generated with steps has one without any step option): its
        // exports then carry the simulated time as transactionTime, not the clock's.
        if (server.StepsDirectory is { } stepsDirectory)
        {
            grid.AddRow(OneLineCell.Row("Data time", string.Create(CultureInfo.InvariantCulture, $"{server.DataTime:yyyy-MM-ddTHH:mm:ssZ} (simulated, after {Counted.Of(server.Steps, "step")})")));

            // The user's own folder changes: said, as generate says where it writes, and only when it does. A generated
            // population's folder is a temporary one.
            if (options.DataDirectory is not null)
            {
                grid.AddRow(OneLineCell.Row("Steps", writesSteps
                    ? string.Create(CultureInfo.InvariantCulture, $"written into {stepsDirectory}{Path.DirectorySeparatorChar} (now at step {server.Steps})")
                    : $"read from {stepsDirectory}{Path.DirectorySeparatorChar}, none written (--steps N or --advance-every SECONDS play more)"));
            }
        }

        grid.AddRow("Faults", faultsInjected ? "[yellow]injected (see --help)[/]" : "none");
        console.Write(new TrimmedLines(grid));
        console.MarkupLine("[grey]Serving until Ctrl-C.[/]");
    }

    /// <summary>What <c>serve --json</c> prints; without auth the endpoints are there as null (docs/cli.md), not left out as --json's other nulls are.</summary>
    internal sealed record ServeAnswer(
        Uri BaseUrl,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] Uri? TokenEndpoint,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] Uri? RegistrationEndpoint,
        bool RequiresAuth);
}
