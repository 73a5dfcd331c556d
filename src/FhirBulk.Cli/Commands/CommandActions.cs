using System.CommandLine;
using FhirBulk.Cli.Rendering;

namespace FhirBulk.Cli.Commands;

/// <summary>
/// Runs a command's action and turns whatever it throws into a message and an exit code, so
/// each command only writes its happy path.
/// </summary>
internal static class CommandActions
{
    public static void SetRunner(
        this Command command, CliContext context, Func<ParseResult, CancellationToken, Task<int>> run) =>
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            try
            {
                return await run(parseResult, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return ErrorReporter.Report(
                    context, e, CommonOptions.IsVerbose(parseResult), CommonOptions.IsJson(parseResult), CliApplication.UsageHint(parseResult.CommandResult.Command));
            }
        });
}
