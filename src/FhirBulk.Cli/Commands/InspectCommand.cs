using System.CommandLine;

namespace FhirBulk.Cli.Commands;

/// <summary><c>fhir-bulk inspect</c>: what an export folder holds.</summary>
internal static class InspectCommand
{
    public static Command Create(CliContext context)
    {
        var folder = new Argument<string>("DIR")
        {
            Description = "An export folder (written by 'fhir-bulk export' or any folder of <Type>.*.ndjson files).",
        };
        var json = CommonOptions.Json();
        var command = new Command("inspect", "Summarise an export folder: types, files, resource counts, bytes, errors and transactionTime.")
        {
            folder, json,
        };
        command.SetRunner(context, (parseResult, cancellationToken) =>
            throw new NotImplementedException());
        return command;
    }
}
