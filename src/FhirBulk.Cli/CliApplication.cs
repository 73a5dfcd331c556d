using System.CommandLine;
using System.CommandLine.Parsing;
using System.CommandLine.Help;
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
        // Help wraps where the rest of our output does (ConsoleWidth: the terminal's width, COLUMNS, or not at all on a
        // pipe), not at Console.WindowWidth, which ignores COLUMNS.
        if (root.Options.OfType<HelpOption>().SingleOrDefault()?.Action is HelpAction help)
        {
            help.MaxWidth = context.Out.Profile.Width;
        }

        foreach (var command in CreateCommands())
        {
            root.Subcommands.Add(command);
        }

        return root;
    }

    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken = default)
    {
        var parseResult = CreateRootCommand().Parse(args);
        var strays = UnknownOptions.InArguments(parseResult, args);
        if (parseResult.Errors.Count > 0 || strays.Count > 0)
        {
            // An unknown command leaves --json unmatched too: it still asks for the failure as JSON, and is no error of its own.
            var json = CommonOptions.IsJson(parseResult) || parseResult.UnmatchedTokens.Contains(CommonOptions.JsonName, StringComparer.Ordinal);
            // --json is dropped from the complaint only beside another: alone, on a command that has no --json (example), it is the complaint.
            var aboutJson = parseResult.Errors.Where(e => e.Message.Contains($"'{CommonOptions.JsonName}'", StringComparison.Ordinal)).ToList();
            var messages = UnknownOptions.Explain(parseResult, args, strays.Select(UnknownOptions.Message).Concat(parseResult.Errors
                .Where(e => !(json && aboutJson.Contains(e) && aboutJson.Count < parseResult.Errors.Count + strays.Count))
                .Select(e => MessageLines.OneLine(WithOption(e, UsageMessage(e.Message)))))
                .Distinct(StringComparer.Ordinal).ToList());
            // One line, which --json repeats word for word.
            ErrorReporter.Write(context, string.Join(" ", messages), ExitCodes.Usage, UsageHint(parseResult.CommandResult.Command), json);
            return ExitCodes.Usage;
        }

        var configuration = new InvocationConfiguration
        {
            Output = new LineEndTrimmingWriter(context.Out.Profile.Out.Writer),
            Error = context.Error.Profile.Out.Writer,
            // Our own handler maps exceptions to documented exit codes (CommandActions).
            EnableDefaultExceptionHandler = false,
            // Program.cs turns SIGINT/SIGTERM into the cancellation token, so that a command can
            // finish cleanly (save export state, stop a server) instead of being cut off after a timeout.
            ProcessTerminationTimeout = null,
        };
        return await parseResult.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// What follows a usage error (exit 2): <c>Run 'fhir-bulk COMMAND --help' for the options.</c>, for a command that finds a
    /// wrong option value itself (<see cref="CommandActions"/>) as for one System.CommandLine finds.
    /// </summary>
    internal static string UsageHint(Command command) => $"Run '{HelpCommand(command)}' for the options.";

    private static string HelpCommand(Command command) => $"{(command is RootCommand ? "fhir-bulk" : "fhir-bulk " + command.Name)} --help";

    /// <summary>
    /// A parse error in a user's words: System.CommandLine names the .NET type an option expects
    /// (<c>System.Nullable`1[System.Int32]</c>); a person needs to hear what to type.
    /// </summary>
    /// <summary>
    /// The message prefixed with the option whose value it is about ("--level: Argument 'grp' not recognized. Must be one of:
    /// …"): System.CommandLine names the value but not the option, and a command line may hold several of the same kind.
    /// </summary>
    private static string WithOption(ParseError error, string message)
    {
        var option = error.SymbolResult switch
        {
            OptionResult result => result.Option.Name,
            ArgumentResult { Parent: OptionResult result } => result.Option.Name,
            _ => null,
        };
        return option is null || message.Contains($"'{option}'", StringComparison.Ordinal) || message.StartsWith(option, StringComparison.Ordinal)
            ? message
            : $"{option}: {message}";
    }

    internal static string UsageMessage(string message)
    {
        var match = System.Text.RegularExpressions.Regex.Match(
            message, @"^Cannot parse argument '(?<value>.*)' for (option|command|argument) '(?<name>[^']*)' as expected type '(?<type>[^']*)'\.?$");
        if (!match.Success)
        {
            return message;
        }

        var type = match.Groups["type"].Value;
        var kind = type switch
        {
            _ when type.Contains("Int32", StringComparison.Ordinal) || type.Contains("Int64", StringComparison.Ordinal) => "a whole number",
            _ when type.Contains("Double", StringComparison.Ordinal) || type.Contains("Decimal", StringComparison.Ordinal) => "a number",
            _ when type.Contains("Boolean", StringComparison.Ordinal) => "true or false",
            _ => "another kind of value",
        };
        return $"{match.Groups["name"].Value} expects {kind}, got '{match.Groups["value"].Value}'.";
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
        yield return SyncCommand.Create(context);
        yield return ViewCommand.Create(context);
        yield return ViewTestCommand.Create(context);
        yield return QueryCommand.Create(context);
        yield return ExampleCommand.Create(context);
        yield return InspectCommand.Create(context);
    }
}
