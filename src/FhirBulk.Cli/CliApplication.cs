using System.CommandLine;
using FhirBulk.Cli.Commands;
using FhirBulk.Cli.Rendering;
using Spectre.Console;

namespace FhirBulk.Cli;

/// <summary>The <c>fhir-bulk</c> command tree, bound to one <see cref="CliContext"/>.</summary>
internal sealed class CliApplication(CliContext context)
{
    public RootCommand CreateRootCommand()
    {
        var root = new RootCommand(
            "fhir-bulk: export FHIR Bulk Data with SMART Backend Services, turn it into tables with "
            + "SQL-on-FHIR ViewDefinitions, and run an offline Bulk Data server. "
            + "Start with 'fhir-bulk demo'.");
        root.Options.Add(CommonOptions.Verbose());
        foreach (var command in CreateCommands())
        {
            root.Subcommands.Add(command);
        }

        return root;
    }

    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken = default)
    {
        var parseResult = CreateRootCommand().Parse(args);
        if (parseResult.Errors.Count > 0)
        {
            foreach (var error in parseResult.Errors)
            {
                MessageLines.Error(context.Error, error.Message);
            }

            context.Error.MarkupLineInterpolated(
                $"Run '[bold]fhir-bulk {parseResult.CommandResult.Command.Name} --help[/]' for the options.");
            if (CommonOptions.IsJson(parseResult))
            {
                ErrorReporter.WriteJson(context, string.Join(" ", parseResult.Errors.Select(e => e.Message)), ExitCodes.Usage);
            }

            return ExitCodes.Usage;
        }

        var configuration = new InvocationConfiguration
        {
            Output = context.Out.Profile.Out.Writer,
            Error = context.Error.Profile.Out.Writer,
            // Our own handler maps exceptions to documented exit codes (CommandActions).
            EnableDefaultExceptionHandler = false,
            // Program.cs turns SIGINT/SIGTERM into the cancellation token, so that a command can
            // finish cleanly (save export state, stop a server) instead of being cut off after a timeout.
            ProcessTerminationTimeout = null,
        };
        return await parseResult.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
    }

    private IEnumerable<Command> CreateCommands()
    {
        yield return DemoCommand.Create(context);
        yield return ServeCommand.Create(context);
        yield return GenerateCommand.Create(context);
        yield return KeygenCommand.Create(context);
        yield return InfoCommand.Create(context);
        yield return GroupsCommand.Create(context);
        yield return ExportCommand.Create(context);
        yield return ViewCommand.Create(context);
        yield return ViewTestCommand.Create(context);
        yield return QueryCommand.Create(context);
        yield return ExampleCommand.Create(context);
        yield return InspectCommand.Create(context);
    }
}
