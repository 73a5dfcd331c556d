using System.CommandLine;

namespace FhirBulk.Cli.Commands;

/// <summary><c>fhir-bulk view</c>: run ViewDefinitions over NDJSON and write tables.</summary>
internal static class ViewCommand
{
    public static Command Create(CliContext context)
    {
        var input = new Option<string>("--input", "-i")
        {
            Description = "NDJSON to read: an export folder, one (mixed-type) .ndjson or .ndjson.gz file, or '-' for stdin.",
            Required = true,
            HelpName = "PATH",
        };
        var view = new Option<string>("--view")
        {
            Description = "A ViewDefinition JSON file, or a folder of them (one table each).",
            Required = true,
            HelpName = "FILE|DIR",
        };
        var format = new Option<string>("--format", "-f")
        {
            Description = "Output: a DuckDB database (one table per view), Parquet, CSV or NDJSON files (one per view).",
            DefaultValueFactory = _ => "duckdb",
        }.AcceptOnlyFromAmong("duckdb", "parquet", "csv", "ndjson");
        var output = new Option<string?>("--out", "-o")
        {
            Description = "Output path: the .duckdb file, or the folder for parquet/csv/ndjson. Default: views.duckdb or ./views.",
            HelpName = "PATH",
        };
        var strict = new Option<bool>("--strict")
        {
            Description = "Stop at the first malformed NDJSON line instead of skipping and counting it.",
        };
        var json = CommonOptions.Json();
        var command = new Command("view", "Run SQL-on-FHIR v2 ViewDefinitions over NDJSON into DuckDB, Parquet, CSV or NDJSON.")
        {
            input, view, format, output, strict, json,
        };
        command.SetRunner(context, (parseResult, cancellationToken) =>
            throw new NotImplementedException());
        return command;
    }
}
