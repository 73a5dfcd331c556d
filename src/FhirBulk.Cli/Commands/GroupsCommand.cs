using System.CommandLine;
using System.Globalization;
using FhirBulk.Cli.Rendering;
using FhirBulk.Cli.Settings;
using FhirBulk.Export;
using Spectre.Console;

namespace FhirBulk.Cli.Commands;

/// <summary><c>fhir-bulk groups</c>: the server's Groups, so a user can pick one for a Group export.</summary>
internal static class GroupsCommand
{
    public static Command Create(CliContext context)
    {
        var connection = new ConnectionOptions();
        var json = CommonOptions.Json();
        var command = new Command("groups", "List the server's Groups (id, name, member count) to pick one for 'export --group ID'.");
        connection.AddTo(command);
        command.Options.Add(json);
        command.SetRunner(context, async (parseResult, cancellationToken) =>
        {
            var settings = new ConnectionResolver(context.Environment).Resolve(parseResult, connection);
            using var logging = context.CreateLoggerFactory(parseResult.GetValue(CommonOptions.Verbose));
            using var client = ClientFactory.Create(settings, logging);
            var groups = new List<GroupInfo>();
            await foreach (var group in client.ListGroupsAsync(cancellationToken).ConfigureAwait(false))
            {
                groups.Add(group);
            }

            if (parseResult.GetValue(json))
            {
                JsonOutput.Write(context.Out, groups);
                return ExitCodes.Success;
            }

            var table = new Table().Border(TableBorder.Rounded).AddColumn("Id").AddColumn("Name").AddColumn(new TableColumn("Members").RightAligned());
            foreach (var group in groups)
            {
                table.AddRow(Markup.Escape(group.Id), Markup.Escape(group.Name ?? ""), group.MemberCount?.ToString("N0", CultureInfo.InvariantCulture) ?? "");
            }

            context.Out.Write(table);
            context.Out.MarkupLineInterpolated($"[grey]{groups.Count} group(s). Export one with: fhir-bulk export {ExportOptions(settings)}--group ID[/]");
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>
    /// The connection options the hinted export needs to run as printed; a key from FHIR_BULK_PRIVATE_KEY is left to the
    /// environment, which holds it still.
    /// </summary>
    private static string ExportOptions(ConnectionSettings settings)
    {
        var options = $"--server {ExportCommand.ShellQuote(settings.Server.ToString())} ";
        foreach (var (name, value) in new[] { ("--client-id", settings.ClientId), ("--key", settings.KeyFile), ("--kid", settings.Kid) })
        {
            if (value is not null)
            {
                options += $"{name} {ExportCommand.ShellQuote(value)} ";
            }
        }

        return options;
    }
}
