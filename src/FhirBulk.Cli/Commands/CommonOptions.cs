using System.CommandLine;

namespace FhirBulk.Cli.Commands;

/// <summary>Options that mean the same on every command.</summary>
internal static class CommonOptions
{
    private const string VerboseName = "--verbose";
    /// <summary>The option that asks for a result, or a failure, as JSON.</summary>
    public const string JsonName = "--json";

    /// <summary>
    /// A fresh <c>--verbose</c> option for a root command, which every subcommand takes: debug logging on stderr, stack
    /// traces for unexpected errors.
    /// </summary>
    public static Option<bool> Verbose() => new(VerboseName, "-v")
    {
        Description = "Log what happens (HTTP calls, retries, timings) to stderr. Secrets are never logged.",
        Recursive = true,
    };

    /// <summary>Whether the command line gave the root command's <c>--verbose</c> (see <see cref="Verbose"/>).</summary>
    public static bool IsVerbose(ParseResult parseResult) => parseResult.GetValue<bool>(VerboseName);

    /// <summary>Whether the command has a <c>--json</c> option (see <see cref="Json"/>) and the command line gave it.</summary>
    public static bool IsJson(ParseResult parseResult) =>
        parseResult.CommandResult.Command.Options.Any(o => o.Name == JsonName && o is Option<bool>) && parseResult.GetValue<bool>(JsonName);

    /// <summary>A fresh <c>--json</c> option for a command that reports something.</summary>
    public static Option<bool> Json() => new(JsonName)
    {
        Description = "Print the result as one JSON document on stdout instead of tables and progress.",
    };

    /// <summary>A fresh <c>--quiet</c> option for a command that shows progress.</summary>
    public static Option<bool> Quiet() => new("--quiet", "-q")
    {
        Description = "Show no progress (bars or progress lines); results, warnings and errors still appear.",
    };
}
