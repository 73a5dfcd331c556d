using System.CommandLine;

namespace FhirBulk.Cli.Commands;

/// <summary><c>fhir-bulk query</c>: SQL over a DuckDB database built by <c>view</c> or <c>demo</c>.</summary>
internal static class QueryCommand
{
    public static Command Create(CliContext context)
    {
        var database = new Option<string>("--db")
        {
            Description = "The DuckDB database file (opened read-only).",
            Required = true,
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
        command.SetRunner(context, (parseResult, cancellationToken) =>
            throw new NotImplementedException());
        return command;
    }
}
