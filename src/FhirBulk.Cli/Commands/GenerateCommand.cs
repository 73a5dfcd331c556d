using System.CommandLine;

namespace FhirBulk.Cli.Commands;

/// <summary><c>fhir-bulk generate</c>: the server's synthetic population written as NDJSON per type.</summary>
internal static class GenerateCommand
{
    public static Command Create(CliContext context)
    {
        var patients = new Option<int>("--patients", "-n")
        {
            Description = "Number of patients to generate.",
            DefaultValueFactory = _ => 100,
        };
        var seed = new Option<int>("--seed")
        {
            Description = "Random seed: the same seed gives byte-identical files.",
            DefaultValueFactory = _ => 1,
        };
        var output = new Option<string>("--out", "-o")
        {
            Description = "Folder to write <Type>.000.ndjson files into.",
            Required = true,
            HelpName = "DIR",
        };
        var json = CommonOptions.Json();
        var command = new Command("generate", "Write a deterministic synthetic population (Synthea-like FHIR R4) as NDJSON per resource type.")
        {
            patients, seed, output, json,
        };
        command.SetRunner(context, (parseResult, cancellationToken) =>
            throw new NotImplementedException());
        return command;
    }
}
