using System.CommandLine;

namespace FhirBulk.Cli.Commands;

/// <summary>Options that mean the same on every command.</summary>
internal static class CommonOptions
{
    private const string VerboseName = "--verbose";

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

    /// <summary>A fresh <c>--json</c> option for a command that reports something.</summary>
    public static Option<bool> Json() => new("--json")
    {
        Description = "Print the result as one JSON document on stdout instead of tables and progress.",
    };

    /// <summary>A fresh <c>--quiet</c> option for a command that shows progress.</summary>
    public static Option<bool> Quiet() => new("--quiet", "-q")
    {
        Description = "Show no progress (bars or progress lines); results, warnings and errors still appear.",
    };
}
