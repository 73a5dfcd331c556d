using System.CommandLine;
using System.Text.RegularExpressions;
using DuckDB.NET.Data;
using FhirBulk.Cli.Rendering;
using FhirBulk.Sinks.DuckDb;
using Spectre.Console;

namespace FhirBulk.Cli.Commands;

/// <summary><c>fhir-bulk query</c>: SQL over a DuckDB database built by <c>view</c> or <c>demo</c>, or over files (a Parquet lake) with no database.</summary>
internal static class QueryCommand
{
    public static Command Create(CliContext context)
    {
        var database = new Option<string?>("--db")
        {
            Description = "The DuckDB database file (opened read-only). Without it, an empty in-memory database, for SQL that reads files itself: read_parquet('lake/patients/*.parquet').",
            HelpName = "FILE",
        };
        var sql = new Argument<string?>("SQL")
        {
            Description = "The SQL to run (or use --file).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var file = new Option<string?>("--file")
        {
            Description = "Read the SQL from a file, e.g. examples/workshop/queries/top_conditions.sql.",
            HelpName = "FILE",
        };
        var csv = new Option<bool>("--csv")
        {
            Description = "Print the result as CSV (RFC 4180) instead of a table.",
        };
        var json = new Option<bool>("--json")
        {
            Description = "Print the result as a JSON array of row objects instead of a table.",
        };
        var command = new Command("query", "Run SQL on a DuckDB database and print the result as a table, CSV or JSON.")
        {
            database, sql, file, csv, json,
        };
        command.SetRunner(context, async (parseResult, cancellationToken) =>
        {
            var text = parseResult.GetValue(sql);
            var path = parseResult.GetValue(file);
            if (text is null && path is null || text is not null && string.IsNullOrWhiteSpace(text))
            {
                throw new CliException("no SQL given: put it after --db FILE (in quotes), or use --file query.sql.", ExitCodes.Usage);
            }

            if (text is not null && path is not null)
            {
                throw new CliException("give the SQL either as an argument or with --file, not both.", ExitCodes.Usage);
            }

            if (parseResult.GetValue(csv) && parseResult.GetValue(json))
            {
                throw new CliException("--csv and --json cannot be used together.", ExitCodes.Usage);
            }

            text ??= await File.ReadAllTextAsync(path!, cancellationToken).ConfigureAwait(false);
            if (string.IsNullOrWhiteSpace(text))
            {
                throw new CliException($"{path} holds no SQL.");
            }

            var databaseFile = parseResult.GetValue(database);
            var machine = parseResult.GetValue(csv) ? "--csv" : parseResult.GetValue(json) ? "--json" : null;
            try
            {
                await RunAsync(context.Out, databaseFile, text, machine, cancellationToken).ConfigureAwait(false);
            }
            catch (DuckDBException e) when (databaseFile is not null && ReadOnlyRefusal(e, databaseFile) is { } statement)
            {
                // Not DuckDB's "attached in read-only mode!", which reads as a fault of the file. An ATTACH in the same SQL
                // inherits the read-only mode, so the way to tables of one's own is the in-memory database without --db.
                throw new CliException(
                    $"query opens {databaseFile} read-only, and this SQL's {statement} statement would change it; without --db, SQL "
                    + $"runs on an in-memory database it can change, which can read the tables with ATTACH '{databaseFile}' AS db (READ_ONLY).",
                    ExitCodes.InvalidInput,
                    e);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task RunAsync(IAnsiConsole console, string? databaseFile, string text, string? machine, CancellationToken cancellationToken)
    {
        await using var result = await (databaseFile is not null
                ? DuckDbDatabase.QueryAsync(databaseFile, text, cancellationToken)
                : DuckDbDatabase.QueryInMemoryAsync(text, cancellationToken))
            .ConfigureAwait(false);
        if (result.Columns.Count == 0)
        {
            // No statement returns rows (CREATE, SET): DuckDB's first result then has no columns, which as a table is an
            // empty box and as CSV an empty header line. A script gets an empty result; a person is told why there is none.
            if (machine == "--json")
            {
                JsonOutput.Write(console, Array.Empty<object>());
            }
            else if (machine is null)
            {
                console.MarkupLine("[grey]no result: no statement of this SQL returns rows[/]");
            }
        }
        else if (machine == "--json")
        {
            // One JSON document on stdout, even for a refusal: the result is held until it is known to be the only one.
            var document = await ReadJsonAsync(result.Columns, result.ReadRowsAsync(cancellationToken)).ConfigureAwait(false);
            await RefuseMoreResultsAsync(result, machine, cancellationToken).ConfigureAwait(false);
            JsonOutput.Write(console, document);
        }
        else if (machine == "--csv")
        {
            // Held until the whole SQL has run, as --json's document is: a refusal or a later statement's failure then leaves
            // nothing on stdout, not a redirected file that reads as a whole CSV of the first result.
            var writer = console.Profile.Out.Writer;
            await using var spool = new TextSpool(writer.NewLine);
            await WriteCsvAsync(spool, result.Columns, result.ReadRowsAsync(cancellationToken)).ConfigureAwait(false);
            await RefuseMoreResultsAsync(result, machine, cancellationToken).ConfigureAwait(false);
            await spool.CopyToAsync(writer).ConfigureAwait(false);
        }
        else
        {
            do
            {
                await WriteTableAsync(console, result.Columns, result.ReadRowsAsync(cancellationToken)).ConfigureAwait(false);
            }
            while (await result.NextResultAsync(cancellationToken).ConfigureAwait(false));
        }
    }

    /// <summary>
    /// The kind of statement (<c>CREATE</c>, <c>INSERT</c>) DuckDB refused because <paramref name="databaseFile"/> is open
    /// read-only, or <see langword="null"/> for any other failure (another database the SQL attached read-only included).
    /// </summary>
    private static string? ReadOnlyRefusal(DuckDBException exception, string databaseFile)
    {
        // DuckDB: Cannot execute statement of type "CREATE" on database "workshop" which is attached in read-only mode!
        var match = Regex.Match(exception.Message, "statement of type \"(?<statement>[^\"]+)\" on database \"(?<database>[^\"]+)\" which is attached in read-only mode");
        return match.Success && match.Groups["database"].Value == Path.GetFileNameWithoutExtension(databaseFile) ? match.Groups["statement"].Value : null;
    }

    private static async Task WriteCsvAsync(TextSpool spool, IReadOnlyList<QueryColumn> columns, IAsyncEnumerable<object?[]> rows)
    {
        // Streamed into the spool, which keeps a query over millions of rows out of memory.
        await spool.WriteLineAsync(string.Join(',', columns.Select(c => ValueText.Csv(c.Name)))).ConfigureAwait(false);
        await foreach (var row in rows.ConfigureAwait(false))
        {
            await spool.WriteLineAsync(string.Join(',', row.Select(ValueText.Csv))).ConfigureAwait(false);
        }
    }

    // One CSV table or JSON document is what a script reads: a second result is refused (exit 3) rather than dropped.
    private static async Task RefuseMoreResultsAsync(DuckDbQueryResult result, string format, CancellationToken cancellationToken)
    {
        if (await result.NextResultAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new CliException($"{format} prints the result of one statement, and this SQL has more that return rows: run them one per command, or leave out {format} to see them all as tables.");
        }
    }

    private static async Task<List<Dictionary<string, object?>>> ReadJsonAsync(IReadOnlyList<QueryColumn> columns, IAsyncEnumerable<object?[]> rows)
    {
        var list = new List<Dictionary<string, object?>>();
        await foreach (var row in rows.ConfigureAwait(false))
        {
            var item = new Dictionary<string, object?>(StringComparer.Ordinal);
            for (var i = 0; i < columns.Count; i++)
            {
                item[columns[i].Name] = ValueText.Json(row[i]);
            }

            list.Add(item);
        }

        return list;
    }

    // DuckDB.NET names types by their SQL name or by their CLR name, depending on the type.
    private static bool IsNumeric(string typeName) =>
        typeName.ToUpperInvariant() is "TINYINT" or "SMALLINT" or "INTEGER" or "BIGINT" or "HUGEINT" or "UTINYINT" or "USMALLINT"
            or "UINTEGER" or "UBIGINT" or "FLOAT" or "DOUBLE" or "BYTE" or "SBYTE" or "INT16" or "INT32" or "INT64" or "UINT16"
            or "UINT32" or "UINT64" or "SINGLE" or "BIGINTEGER"
        || typeName.StartsWith("DECIMAL", StringComparison.OrdinalIgnoreCase);

    private static async Task WriteTableAsync(IAnsiConsole console, IReadOnlyList<QueryColumn> columns, IAsyncEnumerable<object?[]> rows)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var column in columns)
        {
            var tableColumn = new TableColumn(new OneLineCell(column.Name));
            table.AddColumn(IsNumeric(column.TypeName) ? tableColumn.RightAligned() : tableColumn);
        }

        var count = 0;
        await foreach (var row in rows.ConfigureAwait(false))
        {
            table.AddRow(row.Select(v => new OneLineCell(ValueText.Format(v))).ToArray<Spectre.Console.Rendering.IRenderable>());
            count++;
        }

        console.Write(table);
        console.MarkupLineInterpolated($"[grey]{count} row{(count == 1 ? "" : "s")}[/]");
        // Only a terminal (or a COLUMNS the user set) is narrower than the table: elsewhere the width is unbounded.
        var width = console.Profile.Width;
        if (((Spectre.Console.Rendering.IRenderable)table).Measure(Spectre.Console.Rendering.RenderOptions.Create(console), int.MaxValue).Max > width)
        {
            console.Profile.Out.Writer.WriteLine($"values cut to fit {width} columns; use --csv or --json for full values");
        }
    }
}
