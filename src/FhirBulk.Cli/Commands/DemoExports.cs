using FhirBulk.Cli.Rendering;

namespace FhirBulk.Cli.Commands;

/// <summary>The server half of <c>demo</c>: embedded server, key, Patient and Group exports.</summary>
internal static class DemoExports
{
    /// <summary>Runs the exports and returns the folder of the Patient-level export.</summary>
    public static Task<string> RunAsync(CliContext context, StepProgress steps, int patients, int seed, string outputDirectory, CancellationToken cancellationToken) =>
        throw new CliException("the embedded server is not available in this build yet; use 'demo --input PATH'.", ExitCodes.Usage);
}
