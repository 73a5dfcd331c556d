using System.CommandLine;
using FhirBulk.Cli.Settings;

namespace FhirBulk.Cli.Commands;

/// <summary>
/// <c>fhir-bulk info</c>: the seed's first step done properly. Reads the CapabilityStatement
/// and the SMART configuration and says what the server can do.
/// </summary>
internal static class InfoCommand
{
    public static Command Create(CliContext context)
    {
        var connection = new ConnectionOptions();
        var json = CommonOptions.Json();
        var command = new Command(
            "info",
            "Summarise a FHIR server: FHIR version, export levels and parameters it advertises, "
            + "token endpoint, signing algorithms and scopes.");
        connection.AddTo(command);
        command.Options.Add(json);
        command.SetRunner(context, (parseResult, cancellationToken) =>
            throw new NotImplementedException());
        return command;
    }
}
