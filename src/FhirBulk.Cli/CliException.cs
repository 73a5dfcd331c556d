namespace FhirBulk.Cli;

/// <summary>
/// A failure the CLI itself detected (a missing file, conflicting settings): printed as one
/// message without a stack trace, and ending the process with <see cref="ExitCode"/>.
/// </summary>
internal sealed class CliException : Exception
{
    public CliException(string message, int exitCode = ExitCodes.InvalidInput)
        : base(message) => ExitCode = exitCode;

    public CliException(string message, int exitCode, Exception innerException)
        : base(message, innerException) => ExitCode = exitCode;

    /// <summary>The process exit code this failure ends with (see <see cref="ExitCodes"/>).</summary>
    public int ExitCode { get; }

    /// <summary>
    /// What to do next, printed after the message exactly as written (never wrapped to the terminal's width), so that
    /// a command in it can be pasted as printed.
    /// </summary>
    public string? Hint { get; init; }
}
