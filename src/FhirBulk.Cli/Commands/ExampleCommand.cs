using System.CommandLine;

namespace FhirBulk.Cli.Commands;

/// <summary><c>fhir-bulk example</c>: one resource as pretty JSON, to write FHIRPath against.</summary>
internal static class ExampleCommand
{
    public static Command Create(CliContext context)
    {
        var input = new Option<string>("--input", "-i")
        {
            Description = "NDJSON to read: an export folder, one .ndjson or .ndjson.gz file, or '-' for stdin.",
            Required = true,
            HelpName = "PATH",
        };
        var type = new Option<string>("--type", "-t")
        {
            Description = "Resource type, e.g. Observation.",
            Required = true,
            HelpName = "TYPE",
        };
        var id = new Option<string?>("--id")
        {
            Description = "Resource id. Default: the first resource of the type.",
            HelpName = "ID",
        };
        var command = new Command("example", "Print one resource of a type (the first, or by id) as indented JSON.")
        {
            input, type, id,
        };
        command.SetRunner(context, (parseResult, cancellationToken) =>
            throw new NotImplementedException());
        return command;
    }
}
