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
            using var logging = context.CreateLoggerFactory(CommonOptions.IsVerbose(parseResult));
            using var client = ClientFactory.Create(settings, logging, new WaitNotes(context));
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

            if (groups.Count == 0)
            {
                // No group to name: the export that works is one of the whole patient population (or the system).
                context.Out.Profile.Out.Writer.WriteLine($"0 groups. Export every patient with: {ExportCommandFor(settings)} --level patient");
                return ExitCodes.Success;
            }

            var table = new Table().Border(TableBorder.Rounded).AddColumn("Id").AddColumn("Name").AddColumn(new TableColumn("Members").RightAligned());
            foreach (var group in groups)
            {
                table.AddRow(OneLineCell.Row(group.Id, group.Name ?? "", group.MemberCount?.ToString("N0", CultureInfo.InvariantCulture) ?? ""));
            }

            context.Out.Write(table);
            // Written past Spectre so the command stays on one line, to be copied as it is.
            context.Out.Profile.Out.Writer.WriteLine($"{Counted.Of(groups.Count, "group")}. Export one with: {ExportCommandFor(settings)} --group ID");
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The export command that reaches the server as this run did (a key from the environment stays there).</summary>
    private static string ExportCommandFor(ConnectionSettings settings)
    {
        var command = $"fhir-bulk export --server {CommandLineText.Quote(settings.Server.AbsoluteUri)}";
        if (settings.ClientId is { } clientId)
        {
            command += $" --client-id {CommandLineText.Quote(clientId)}";
        }

        if (settings.KeyFile is { } keyFile)
        {
            command += $" --key {CommandLineText.Quote(keyFile)}";
        }

        if (settings.Kid is { } kid)
        {
            command += $" --kid {CommandLineText.Quote(kid)}";
        }

        if (settings.CaBundle is { } caBundle)
        {
            command += $" --ca-bundle {CommandLineText.Quote(caBundle)}";
        }

        return command;
    }
}
