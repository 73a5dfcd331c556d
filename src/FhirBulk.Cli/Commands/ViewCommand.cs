using System.CommandLine;
using FhirBulk.Cli.Rendering;
using FhirBulk.Ndjson;
using FhirBulk.Sinks;
using FhirBulk.Sinks.Parquet;
using FhirBulk.Storage;
using FhirBulk.Tables;
using FhirBulk.Views;
using Spectre.Console;

namespace FhirBulk.Cli.Commands;

/// <summary><c>fhir-bulk view</c>: run ViewDefinitions over NDJSON and write tables.</summary>
internal static class ViewCommand
{
    public static Command Create(CliContext context)
    {
        var input = new Option<string>("--input", "-i")
        {
            Description = "NDJSON to read: an export folder, one (mixed-type) .ndjson or .ndjson.gz file, '-' for stdin, or the objects at s3://BUCKET/PREFIX or az://CONTAINER/PREFIX (read in place).",
            HelpName = "PATH",
        };
        var view = new Option<string>("--view")
        {
            Description = "A ViewDefinition JSON file, or a folder of them (one table each).",
            HelpName = "FILE|DIR",
        };
        var format = new Option<string>("--format", "-f")
        {
            Description = "Output: a DuckDB database (one table per view), Parquet, CSV or NDJSON files (one per view).",
            DefaultValueFactory = _ => "duckdb",
        }.AcceptOnlyFromAmong("duckdb", "parquet", "csv", "ndjson");
        var output = new Option<string?>("--out", "-o")
        {
            Description = "The .duckdb file, or the folder for csv/ndjson files or the Parquet lake (DIR/<view>/part-*.parquet), which may also be s3://BUCKET/PREFIX or az://CONTAINER/PREFIX; a name ending in .csv, .ndjson or .parquet is the file of a single view ('-' writes one csv/ndjson table to stdout). Default: views.duckdb or ./views.",
            HelpName = "PATH",
        };
        var strict = new Option<bool>("--strict")
        {
            Description = "Stop at the first malformed NDJSON line, failing view or value that does not fit its column's SQL type, instead of skipping and counting it (a misfit value is written as null); refuse a view whose path names no element of its type or no type (otherwise a warning).",
        };
        var engine = EngineOption();
        var explain = new Option<bool>("--explain")
        {
            Description = "Print which FHIRPath engine runs each view (and why a view falls back to Firely), then stop.",
        };
        var schema = new Option<string?>("--schema")
        {
            Description = "Print the tables the views make (columns, SQL types, FHIR types), then stop without reading input: a table (default), json, or the CREATE TABLE statements of duckdb or spark.",
            Arity = ArgumentArity.ZeroOrOne,
        }.AcceptOnlyFromAmong(ViewSchemaRenderer.Formats);
        var json = CommonOptions.Json();
        var quietOption = CommonOptions.Quiet();
        var s3Endpoint = CommonOptions.S3Endpoint();
        var lake = new ViewLakeOptions();
        var command = new Command("view", "Run SQL-on-FHIR v2 ViewDefinitions over NDJSON into DuckDB, Parquet, CSV or NDJSON.")
        {
            input, view, format, output, strict, engine, explain, schema, s3Endpoint, json, quietOption,
        };
        foreach (Option option in lake.All)
        {
            command.Options.Add(option);
        }

        // --input and --view are required, except by --merge, which reads a lake instead, and --schema and --explain, which
        // describe the views without reading input.
        command.Validators.Add(result =>
        {
            var merging = result.GetValue(lake.Merge) is not null;
            var viewsOnly = result.GetResult(schema) is not null || result.GetValue(explain);
            foreach (Option required in new Option[] { input, view }.Where(o => !merging && !(viewsOnly && o == input) && result.GetResult(o) is null))
            {
                result.AddError($"Option '{required.Name}' is required.");
            }
        });
        command.SetRunner(context, async (parseResult, cancellationToken) =>
        {
            if (parseResult.GetValue(lake.Merge) is { } lakeFolder)
            {
                return await ViewLakeOptions.RunMergeAsync(context, lakeFolder, parseResult.GetValue(json), CommonOptions.StoreOptions(parseResult.GetValue(s3Endpoint)), cancellationToken).ConfigureAwait(false);
            }

            var isStrict = parseResult.GetValue(strict);
            var views = ViewDefinitionLoader.Load(
                parseResult.GetRequiredValue(view),
                new ViewCompilerOptions { Engine = ParseEngine(parseResult.GetRequiredValue(engine)), StrictElements = isStrict });
            if (!parseResult.GetValue(explain))
            {
                MessageLines.ViewWarnings(context.Error, views);
            }

            if (parseResult.GetResult(schema) is not null)
            {
                ViewSchemaRenderer.Write(context.Out, views, parseResult.GetValue(schema) ?? (parseResult.GetValue(json) ? "json" : ViewSchemaRenderer.Formats[0]));
                return ExitCodes.Success;
            }

            if (parseResult.GetValue(explain) && parseResult.GetValue(json))
            {
                JsonOutput.Write(context.Out, new ViewExplainJson(views.Select(v => new ViewExplainJson.View(
                    v.Schema.Name,
                    EngineName(v.Engine.Engine),
                    v.Engine.RequiredText,
                    v.Engine.Fallbacks.Select(f => new ViewExplainJson.Fallback(f.ElementPath, f.Expression, f.Reason)),
                    v.Warnings.Select(w => new ViewWarningJson(null, w.ElementPath, w.Message))))));
                return ExitCodes.Success;
            }

            if (parseResult.GetValue(explain) || CommonOptions.IsVerbose(parseResult))
            {
                var console = parseResult.GetValue(explain) ? context.Out : context.Error;
                foreach (var compiled in views)
                {
                    WriteEngine(console, compiled.Schema.Name, compiled.Engine);
                    foreach (var warning in parseResult.GetValue(explain) ? compiled.Warnings : [])
                    {
                        console.Profile.Out.Writer.WriteLine($"  warning: {warning}");
                    }
                }

                if (parseResult.GetValue(explain))
                {
                    return ExitCodes.Success;
                }
            }

            var storeOptions = CommonOptions.StoreOptions(parseResult.GetValue(s3Endpoint));
            var kind = FormatFor(parseResult.GetResult(format) is { Implicit: false } ? parseResult.GetValue(format) : null, parseResult.GetValue(output));
            var target = parseResult.GetValue(output) ?? (kind == "duckdb" ? "views.duckdb" : "views");
            var toStdout = target == "-";
            var outLocation = toStdout ? null : CliContext.StoreLocation("--out", target);
            if (toStdout && kind is "duckdb" or "parquet")
            {
                throw new CliException($"--out - (stdout) works for csv and ndjson, not {kind}.", ExitCodes.Usage);
            }

            // An --out that ends like the format's files names the one file a single view makes: the tables are written into a
            // folder beside it, as for any folder, and the one file is then moved onto it.
            var toFile = kind != "duckdb" && !toStdout && target.EndsWith($".{kind}", StringComparison.OrdinalIgnoreCase);

            // A folder of Parquet is a lake: parts per view and shard, which --shard needs, and the one output made of objects that
            // each become visible whole; a DuckDB file is a database updated in place, and one file per view is not a lake.
            var toLake = kind == "parquet" && !toFile && !toStdout;
            if (outLocation is not null && !toLake)
            {
                throw new CliException(
                    $"--out {target}: only the Parquet lake is written to object storage (--format parquet --out {LakeForm(outLocation)}); a DuckDB file, CSV or NDJSON files and a single .parquet file are written to a local path.",
                    ExitCodes.Usage);
            }

            // Before the format's own checks of --out: naming the input folder is this mistake, not a wrong format.
            ViewOutputOverlap.Refuse(parseResult.GetRequiredValue(input), target, outputIsFolder: kind != "duckdb" && !toFile);

            if (kind == "duckdb" && !toStdout && outLocation is null && Directory.Exists(target))
            {
                var implicitFormat = parseResult.GetResult(format) is not { Implicit: false } ? " (the default --format)" : "";
                throw new CliException(
                    $"--out {target} is a folder, but duckdb{implicitFormat} writes one database file: give --format csv, ndjson or parquet to write into the folder, or --out a .duckdb file.",
                    ExitCodes.InvalidInput);
            }

            // Stdout is one stream as much as FILE.csv is one file: refused here, as a usage error, not by the sink once the
            // first table is written.
            if ((toFile || toStdout) && views.Count != 1)
            {
                var one = toStdout ? "--out - (stdout) takes one table" : $"--out {target} names one file";
                throw new CliException($"{one}, but {views.Count} views make {views.Count} tables: give a folder, or one view.", ExitCodes.Usage);
            }

            if (lake.ShardOf(parseResult) is not null && !toLake)
            {
                throw new CliException("--shard writes its share as parts of a Parquet lake: give --format parquet and an --out folder.", ExitCodes.Usage);
            }

            var folder = toFile ? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(target))!, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}") : target;
            var schemaTarget = Path.ChangeExtension(Path.GetFullPath(target), null) + TableSchemas.FileExtension;

            // The command line is checked before the input is opened (for an object store, already a request), and the input
            // before an output folder is made, so that a missing input leaves nothing behind.
            using var opened = await OpenInputAsync(
                context,
                parseResult.GetRequiredValue(input),
                new NdjsonSourceOptions { MalformedLines = isStrict ? ErrorPolicy.Fail : ErrorPolicy.Skip },
                storeOptions,
                cancellationToken).ConfigureAwait(false);
            var source = opened.Source;
            string? madeFolder = null;
            if (!toStdout && outLocation is null)
            {
                // The folder that will hold the output, made here so that a path that cannot be one fails in the user's terms.
                madeFolder = OutputFolder.Create(kind == "duckdb" || toFile ? Path.GetDirectoryName(Path.GetFullPath(target))! : Path.GetFullPath(target), "--out");
            }

            var written = outLocation?.ToString() ?? (toStdout ? "-" : Path.GetFullPath(target));
            using var lakeStore = toLake ? ObjectStore.Create(outLocation ?? StorageLocation.Parse(Path.GetFullPath(target)), storeOptions) : null;
            var quiet = parseResult.GetValue(json) || parseResult.GetValue(quietOption) || toStdout;
            var tables = new FhirTables(new FhirTablesOptions { ViewErrors = isStrict ? ErrorPolicy.Fail : ErrorPolicy.Skip });
            TableRunResult? result = null;
            ParquetLakeStatus? lakeStatus = null;
            try
            {
                var tableFormat = Enum.Parse<TableFormat>(kind, ignoreCase: true);
                (source, ITableSink tableSink) = toLake ? lake.OpenLake(parseResult, source, views, lakeStore!)
                    : (source, toStdout ? TableSinks.Create(tableFormat, context.OpenStandardOutput()) : TableSinks.Create(tableFormat, folder));
                await using (var sink = tableSink)
                {
                    result = await new StepProgress(context, quiet).RunAsync(
                        $"Running {Counted.Of(views.Count, "view")}",
                        progress => tables.RunAsync(
                            source,
                            views,
                            sink,
                            new SyncProgress<TableProgress>(p => progress.Report(new StepUpdate(p.Fraction, $"{p.Resources:N0} resources, {p.Rows:N0} rows", p.BytesRead))),
                            cancellationToken),
                        TableRunRenderer.Summary).ConfigureAwait(false);
                }

                lakeStatus = (tableSink as ParquetLakeSink)?.Status;

                if (toFile)
                {
                    // The one table, and its schema beside it under the file's own name (out.csv → out.schema.json).
                    File.Move(Path.Combine(folder, $"{views[0].Schema.Name}.{kind}"), target, overwrite: true);
                    var schemaFile = Path.Combine(folder, views[0].Schema.Name + TableSchemas.FileExtension);
                    if (File.Exists(schemaFile))
                    {
                        File.Move(schemaFile, schemaTarget, overwrite: true);
                    }
                }
            }
            catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested)
            {
                // Every output but stdout is replaced only when the whole run succeeds (docs/cli.md, view), so a cancelled
                // run can say what the user most needs to know: nothing they had was lost or half-replaced.
                throw new CliException(
                    toStdout ? "cancelled; the rows written to stdout so far are not all of them." : $"cancelled; {written} is as it was before this run.",
                    ExitCodes.Cancelled,
                    e);
            }
            catch (TableSinkException e) when (toFile && e.Path is { } failed && failed.StartsWith(folder, StringComparison.Ordinal))
            {
                // The one file is written in a hidden folder beside it (on the same disk): the user knows it by --out's name.
                var asked = failed.EndsWith(TableSchemas.FileExtension, StringComparison.Ordinal) ? schemaTarget : Path.GetFullPath(target);
                throw new CliException(e.Message.Replace(failed, asked, StringComparison.Ordinal), ExitCodes.InvalidInput, e);
            }
            finally
            {
                if (toFile && Directory.Exists(folder))
                {
                    Directory.Delete(folder, recursive: true);
                }

                if (result is null)
                {
                    OutputFolder.RemoveIfEmpty(madeFolder);
                }
            }

            List<RunWarning> warnings = [];
            if (lakeStatus is not null)
            {
                warnings.AddRange(ViewLakeOptions.WarnUnlessComplete(context, lakeStatus, written, views[0].Schema.Name));
            }

            warnings.AddRange(lake.ShardOf(parseResult) is { Count: > 1 } shard && lake.Plan is { } plan
                ? TableRunRenderer.WarnShardedInput(context, views, plan, shard, parseResult.GetRequiredValue(input))
                : TableRunRenderer.WarnMissingTypes(context, views, result, parseResult.GetRequiredValue(input)));
            var skipped = TableRunRenderer.WarnSkipped(context, result, CommonOptions.IsVerbose(parseResult));
            if (parseResult.GetValue(json))
            {
                JsonOutput.Write(context.Out, new ViewRunJson(
                    written,
                    kind,
                    lake.ShardOf(parseResult)?.ToString(),
                    result.RowsByTable,
                    result.Resources,
                    result.MalformedLines.Count,
                    result.ViewErrorCount,
                    result.ValueMisfits.Sum(m => m.Count),
                    Math.Round(result.Elapsed.TotalSeconds, 3),
                    MessageLines.ViewWarningsJson(views).Concat(warnings.Select(w => new ViewWarningJson(w.View, null, w.Message)))));
            }
            else if (!toStdout)
            {
                TableRunRenderer.WriteTables(context.Out, result);
                context.Out.WriteLine($"Written to {written}");
            }

            return skipped ? ExitCodes.PartialSuccess : ExitCodes.Success;
        });
        return command;
    }

    /// <summary>
    /// Opens <c>--input</c> as <see cref="CliContext.OpenInputAsync"/> does; a folder that is missing because a generate into
    /// it did not finish is said to be that, not only missing.
    /// </summary>
    private static async Task<InputSource> OpenInputAsync(CliContext context, string path, NdjsonSourceOptions options, ObjectStoreOptions? storeOptions, CancellationToken cancellationToken)
    {
        if (CliContext.StoreLocation("--input", path) is null && GenerateCommand.Unfinished($"--input {path}", path) is { } unfinished)
        {
            throw unfinished;
        }

        try
        {
            return await context.OpenInputAsync(path, options, storeOptions, cancellationToken).ConfigureAwait(false);
        }
        catch (FileNotFoundException) when (GenerateCommand.Interrupted($"--input {path}", path) is { } interrupted)
        {
            throw interrupted;
        }
    }

    /// <summary>
    /// The output format: --format when given, else what --out's extension names (o.parquet is Parquet), else DuckDB.
    /// A --format that disagrees with the extension is refused rather than writing one kind of file under another's name.
    /// </summary>
    internal static string FormatFor(string? format, string? output)
    {
        var written = output is null or "-" ? "" : Path.GetExtension(output).TrimStart('.').ToLowerInvariant();
        var extension = written switch
        {
            "duckdb" or "db" or "ddb" => "duckdb",
            "parquet" or "csv" or "ndjson" => written,
            _ => null,
        };
        if (format is null)
        {
            // An extension that names no format is more likely a slip (o.cvs) than a wish for a DuckDB file of that name.
            return written.Length == 0 || extension is not null
                ? extension ?? "duckdb"
                : throw new CliException(
                    $"--out {output}: '.{written}' names no table format (.duckdb, .db, .ddb, .parquet, .csv, .ndjson); give --format, or an --out ending in one of them.",
                    ExitCodes.Usage);
        }

        if (extension is not null && extension != format)
        {
            throw new CliException(
                $"--format {format} and --out {output} disagree: the extension names {extension}. Give an --out ending in .{format} (or a folder), or leave --format out to write {extension}.",
                ExitCodes.Usage);
        }

        return format;
    }

    /// <summary>A fresh <c>--engine json|firely</c> option (view and view-test).</summary>
    internal static Option<string> EngineOption() => new Option<string>("--engine")
    {
        Description = "FHIRPath engine: json (default: reads the raw JSON; an expression it does not cover is evaluated by Firely, the rest of the view stays on json) or firely (the reference evaluator for everything).",
        DefaultValueFactory = _ => "json",
    }.AcceptOnlyFromAmong("json", "firely");

    /// <summary>The engine an <see cref="EngineOption"/> value names.</summary>
    internal static FhirPathEngineKind ParseEngine(string value) => Enum.Parse<FhirPathEngineKind>(value, ignoreCase: true);

    /// <summary>The <see cref="EngineOption"/> value that names <paramref name="engine"/> (the inverse of <see cref="ParseEngine"/>).</summary>
    internal static string EngineName(FhirPathEngineKind engine) => engine.ToString().ToLowerInvariant();

    /// <summary>
    /// A view's line of <c>--explain</c>, and under it each expression Firely evaluates: where it is and why, then the
    /// expression alone on an indented line. Set off by quotes or backticks, an expression holding them (string literals,
    /// delimited identifiers) would read ambiguously; alone on its line it reads exactly as written in the view.
    /// </summary>
    private static void WriteEngine(IAnsiConsole console, string view, ViewEngineChoice choice)
    {
        // Written as is, not through Spectre, which would wrap a long expression at the console's width.
        var writer = console.Profile.Out.Writer;
        if (choice.Fallbacks.Count == 0)
        {
            // The library's words, which quote no expression when there is none.
            writer.WriteLine($"{view}: {choice}");
            return;
        }

        var onlyHolding = choice.RequiredText is null ? "" : $"; only resources holding {choice.RequiredText} are evaluated";
        writer.WriteLine($"{view}: json engine{onlyHolding}; Firely evaluates {Counted.Of(choice.Fallbacks.Count, "expression")}:");
        foreach (var fallback in choice.Fallbacks)
        {
            writer.WriteLine($"  {fallback.ElementPath} ({fallback.Reason}):");
            // A multi-line expression keeps its line breaks, each line indented alike.
            writer.WriteLine("    " + fallback.Expression.ReplaceLineEndings(Environment.NewLine + "    "));
        }
    }

    /// <summary>
    /// The lake form of a refused <c>--out</c> URL: one naming a file (<c>…/views.duckdb</c>) becomes a folder beside it
    /// (<c>…/lake/</c>), as a lake named <c>views.duckdb/</c> would mislead whoever reads the bucket.
    /// </summary>
    private static string LakeForm(StorageLocation location)
    {
        var text = location.ToString().TrimEnd('/');
        var last = text[(text.LastIndexOf('/') + 1)..];
        return Path.HasExtension(last) && location.Prefix.Length > 0 ? $"{text[..(text.Length - last.Length)]}lake/" : $"{text}/";
    }
}

/// <summary><c>view --explain --json</c>.</summary>
internal sealed record ViewExplainJson(IEnumerable<ViewExplainJson.View> Views)
{
    internal sealed record View(
        string Name, string Engine, string? RequiredText, IEnumerable<Fallback> Fallbacks, IEnumerable<ViewWarningJson> Warnings);

    internal sealed record Fallback(string Element, string Expression, string Reason);
}

/// <summary><c>view --json</c>.</summary>
internal sealed record ViewRunJson(
    string Output,
    string Format,
    string? Shard,
    IReadOnlyDictionary<string, long> Tables,
    long Resources,
    long MalformedLines,
    long ViewErrors,
    long ValueMisfits,
    double Seconds,
    IEnumerable<ViewWarningJson> Warnings);
