using System.CommandLine;
using FhirBulk.Cli.Rendering;
using FhirBulk.Cli.Settings;
using FhirBulk.Export;
using Spectre.Console;

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
        command.SetRunner(context, async (parseResult, cancellationToken) =>
        {
            var settings = new ConnectionResolver(context.Environment).Resolve(parseResult, connection);
            using var logging = context.CreateLoggerFactory(CommonOptions.IsVerbose(parseResult));
            using var client = ClientFactory.Create(settings, logging, new WaitNotes(context));
            var summary = await client.GetServerSummaryAsync(cancellationToken).ConfigureAwait(false);
            if (parseResult.GetValue(json))
            {
                JsonOutput.Write(context.Out, summary);
            }
            else
            {
                Write(context.Out, summary);
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static void Write(IAnsiConsole console, ServerSummary summary)
    {
        static string List(IEnumerable<string> items) => items.Any() ? Markup.Escape(string.Join(", ", items)) : "[grey](none advertised)[/]";
        var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
        grid.AddRow("[bold]Server[/]", Markup.Escape(summary.BaseUri.ToString()));
        grid.AddRow("Software", Markup.Escape(summary.Software ?? "(not given)"));
        grid.AddRow("FHIR version", Markup.Escape(summary.FhirVersion ?? "(not given)"));
        grid.AddRow("Export levels", List(summary.ExportLevels));
        grid.AddRow("Export operations", List(summary.ExportParameters));
        grid.AddRow("Formats", List(summary.Formats));
        if (summary.Authorization is { } smart)
        {
            grid.AddRow("[bold]Authorization[/]", smart.FromCapabilityStatement ? "SMART (from the CapabilityStatement; no .well-known/smart-configuration)" : "SMART Backend Services");
            grid.AddRow("Token endpoint", Markup.Escape(smart.TokenEndpoint?.ToString() ?? "(none)"));
            grid.AddRow("Signing algorithms", List(smart.SigningAlgorithms));
            grid.AddRow("Scopes", List(smart.ScopesSupported));
            grid.AddRow("Capabilities", List(smart.Capabilities));
        }
        else
        {
            grid.AddRow("[bold]Authorization[/]", "[yellow]none advertised: an open server[/]");
        }

        console.Write(new TrimmedLines(grid));
    }
}
