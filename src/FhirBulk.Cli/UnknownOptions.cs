using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;

namespace FhirBulk.Cli;

/// <summary>
/// Mistyped options: the option most likely meant (<c>--veiw</c>: did you mean <c>--view</c>?), and the ones a command's
/// own arguments swallowed. System.CommandLine gives a word it does not know as an option to a positional argument that
/// has room for it, so <c>view-test DIR --engin firely</c> ran with the path <c>--engin</c>; such a word is a usage error
/// here, as it is where no argument takes it.
/// </summary>
internal static partial class UnknownOptions
{
    private const string Unrecognized = "Unrecognized command or argument '";

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
    /// The parse errors in the order given, each unknown option with the options it most likely meant, and without the
    /// errors that only follow from the typo: the value after <c>--veiw</c> that no option took, and "Option '--view' is
    /// required." when <c>--view</c> is the one guess.
    /// </summary>
    public static IEnumerable<string> Explain(ParseResult parseResult, IReadOnlyList<string> args, IEnumerable<string> messages)
    {
        var options = Known(parseResult.CommandResult).ToList();
        var guesses = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        var consequences = new HashSet<string>(StringComparer.Ordinal);
        foreach (var token in messages.Select(Token).OfType<string>().Where(t => t.StartsWith('-')).Distinct(StringComparer.Ordinal))
        {
            var name = token.Split('=', ':')[0];
            var meant = Misspelling.Meant(name, options.SelectMany(Names));
            guesses[token] = meant;
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

        return messages
            .Where(message => !consequences.Contains(message))
            .Select(message => Token(message) is { } token && guesses.TryGetValue(token, out var meant) && meant.Count > 0
                ? $"{Unrecognized}{token}' (did you mean {string.Join(" or ", meant.Select(m => $"'{m}'"))}?)."
                : message);
    }

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
