using System.CommandLine;
using FhirBulk.Cli.Settings;

namespace FhirBulk.Cli.Commands;

/// <summary><c>fhir-bulk groups</c>: the server's Groups, so a user can pick one for a Group export.</summary>
internal static class GroupsCommand
{
    public static Command Create(CliContext context)
    {
        var connection = new ConnectionOptions();
        var json = CommonOptions.Json();
        var command = new Command("groups", "List the server's Groups (id, name, member count) to pick one for 'export --level group'.");
        connection.AddTo(command);
        command.Options.Add(json);
        command.SetRunner(context, (parseResult, cancellationToken) =>
            throw new NotImplementedException());
        return command;
    }
}
