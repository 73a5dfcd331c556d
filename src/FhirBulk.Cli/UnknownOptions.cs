using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;

namespace FhirBulk.Cli;

/// <summary>
/// Mistyped commands and options: the command most likely meant (<c>fhir-bulk veiw</c>: did you mean <c>view</c>?), the
/// option most likely meant (<c>--veiw</c>: did you mean <c>--view</c>?), and the options a command's
/// own arguments swallowed. System.CommandLine gives a word it does not know as an option to a positional argument that
/// has room for it, so <c>view-test DIR --engin firely</c> ran with the path <c>--engin</c>; such a word is a usage error
/// here, as it is where no argument takes it.
/// </summary>
internal static partial class UnknownOptions
{
    private const string Unrecognized = "Unrecognized command or argument '";

    /// <summary>System.CommandLine's line for a command line without a command, which a word that is no command also gets.</summary>
    private const string NoCommand = "Required command was not provided.";

    /// <summary>
    /// The words the command's positional arguments took that read as an option (<c>--name</c> or <c>--name=value</c>) but
    /// are none of the command's. SQL starting with a comment (<c>-- note</c>) has a blank after the dashes, and a word
    /// after <c>--</c> is always an argument, so neither counts.
    /// </summary>
    public static IReadOnlyList<string> InArguments(ParseResult parseResult, IReadOnlyList<string> args)
    {
        var separator = Position(args, "--");
        return [.. parseResult.CommandResult.Children.OfType<ArgumentResult>()
            .SelectMany(argument => argument.Tokens)
            .Select(token => token.Value)
            .Where(value => OptionLike().IsMatch(value) && (separator < 0 || Position(args, value) < separator))
            .Distinct(StringComparer.Ordinal)];
    }

    /// <summary>System.CommandLine's own line for a word it does not know, which <see cref="Explain"/> then completes.</summary>
    public static string Message(string token) => $"{Unrecognized}{token}'.";

    /// <summary>
    /// The parse errors in the order given, each unknown option with the options it most likely meant, a first word that is
    /// no command as such with the command it most likely meant, and without the errors that only follow from the typo: the
    /// value after <c>--veiw</c> that no option took, "Option '--view' is required." when <c>--view</c> is the one guess,
    /// and, after a word that is no command, "Required command was not provided." and every word after it (the options of a
    /// command we do not know cannot be judged).
    /// </summary>
    public static IEnumerable<string> Explain(ParseResult parseResult, IReadOnlyList<string> args, IEnumerable<string> messages)
    {
        var options = Known(parseResult.CommandResult).ToList();
        var replacements = new Dictionary<string, string>(StringComparer.Ordinal);
        var consequences = new HashSet<string>(StringComparer.Ordinal);
        foreach (var token in messages.Select(Token).OfType<string>().Where(t => t.StartsWith('-')).Distinct(StringComparer.Ordinal))
        {
            var name = token.Split('=', ':')[0];
            var meant = Misspelling.Meant(name, options.SelectMany(Names));
            replacements[Message(token)] = $"{Unrecognized}{token}'{DidYouMean(meant)}.";
            if (meant.Count == 1 && options.FirstOrDefault(o => Names(o).Contains(meant[0])) is { } option)
            {
                consequences.Add($"Option '{option.Name}' is required.");
                var next = Position(args, token) + 1;
                if (name == token && option.Arity.MaximumNumberOfValues > 0 && next > 0 && next < args.Count)
                {
                    consequences.Add(Message(args[next]));
                }
            }
        }

        var command = UnknownCommand(parseResult, args);
        if (command >= 0)
        {
            var word = args[command];
            replacements[Message(word)] = $"'{word}' is not a fhir-bulk command{DidYouMean(CommandMeant(parseResult.RootCommandResult.Command, word))}.";
            consequences.Add(NoCommand);
            consequences.UnionWith(args.Skip(command + 1).Select(Message));
            // Not the value of a mistyped flag before it (--verbos veiw): it is where the command goes.
            consequences.Remove(Message(word));
        }

        return messages
            .Where(message => !consequences.Contains(message))
            .Select(message => replacements.GetValueOrDefault(message, message));
    }

    /// <summary>
    /// Where the word in the command's place stands in <paramref name="args"/> when it names no command (<c>veiw</c>), or
    /// -1: the first word that is no option, left unmatched by a command line that got no further than the root.
    /// </summary>
    private static int UnknownCommand(ParseResult parseResult, IReadOnlyList<string> args)
    {
        if (parseResult.CommandResult.Command is not RootCommand)
        {
            return -1;
        }

        for (var i = 0; i < args.Count; i++)
        {
            if (!args[i].StartsWith('-'))
            {
                return parseResult.UnmatchedTokens.Contains(args[i], StringComparer.Ordinal) ? i : -1;
            }
        }

        return -1;
    }

    /// <summary>The commands <paramref name="word"/> most likely meant (<c>veiw</c>, <c>sycn</c>: a swap of two letters is one edit).</summary>
    private static IReadOnlyList<string> CommandMeant(Command root, string word) =>
        Misspelling.Meant(word, root.Subcommands.Where(c => !c.Hidden).SelectMany(c => new[] { c.Name }.Concat(c.Aliases)));

    /// <summary><c> (did you mean 'a' or 'b'?)</c> for the guesses given; nothing for none.</summary>
    private static string DidYouMean(IReadOnlyList<string> meant) =>
        meant.Count > 0 ? $" (did you mean {string.Join(" or ", meant.Select(m => $"'{m}'"))}?)" : "";

    /// <summary>The word an "Unrecognized command or argument 'X'." line is about, or <see langword="null"/> for another line.</summary>
    private static string? Token(string message) =>
        message.StartsWith(Unrecognized, StringComparison.Ordinal) && message.EndsWith("'.", StringComparison.Ordinal)
            ? message[Unrecognized.Length..^2]
            : null;

    /// <summary>The options the command takes: its own and its ancestors' recursive ones (<c>--verbose</c>, <c>--help</c>).</summary>
    private static IEnumerable<Option> Known(CommandResult command)
    {
        for (SymbolResult? result = command; result is not null; result = result.Parent)
        {
            if (result is CommandResult { Command: var c })
            {
                foreach (var option in c.Options.Where(o => !o.Hidden && (result == command || o.Recursive)))
                {
                    yield return option;
                }
            }
        }
    }

    private static int Position(IReadOnlyList<string> args, string value)
    {
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] == value)
            {
                return i;
            }
        }

        return -1;
    }

    private static IEnumerable<string> Names(Option option) => [option.Name, .. option.Aliases];

    [GeneratedRegex(@"^--[A-Za-z][A-Za-z0-9-]*(=.*)?$", RegexOptions.Singleline)]
    private static partial Regex OptionLike();
}
