using System.CommandLine;

namespace FhirBulk.Cli.Commands;

/// <summary>Options that mean the same on every command.</summary>
internal static class CommonOptions
{
    /// <summary><c>--verbose</c>: debug logging on stderr, stack traces for unexpected errors.</summary>
    public static Option<bool> Verbose { get; } = new("--verbose", "-v")
    {
        Description = "Log what happens (HTTP calls, retries, timings) to stderr. Secrets are never logged.",
        Recursive = true,
    };

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
