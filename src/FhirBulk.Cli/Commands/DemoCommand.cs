using System.CommandLine;

namespace FhirBulk.Cli.Commands;

/// <summary>
/// <c>fhir-bulk demo</c>: the whole system in one command, offline. Embedded server, key,
/// exports, tables, the workshop's three answers and a chart.
/// </summary>
internal static class DemoCommand
{
    public static Command Create(CliContext context)
    {
        var patients = new Option<int>("--patients", "-n")
        {
            Description = "Patients in the generated population.",
            DefaultValueFactory = _ => 100,
        };
        var seed = new Option<int>("--seed")
        {
            Description = "Seed of the generated population.",
            DefaultValueFactory = _ => 1,
        };
        var output = new Option<string?>("--out", "-o")
        {
            Description = "Output folder for NDJSON, workshop.duckdb, Parquet and the chart. Default: ./fhir-bulk-demo.",
            HelpName = "DIR",
        };
        var input = new Option<string?>("--input", "-i")
        {
            Description = "Analyse data you already have (an export folder or a Synthea NDJSON file) instead of starting a server.",
            HelpName = "PATH",
        };
        var json = new Option<bool>("--json")
        {
            Description = "Print only the answers as one JSON object (fluVaccinatedPatients, topConditions, topMedication, encounterTypes).",
        };
        var command = new Command("demo", "Start an embedded server, export a generated population, build the workshop's tables and answer its three research questions.")
        {
            patients, seed, output, input, json,
        };
        command.SetRunner(context, (parseResult, cancellationToken) =>
            throw new NotImplementedException());
        return command;
    }
}
