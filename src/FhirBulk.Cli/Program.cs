using FhirBulk.Cli;
using Spectre.Console;

var output = AnsiConsole.Console;
var error = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

// Live bars only when a person is watching; pipes, files and CI get plain lines.
var live = !Console.IsOutputRedirected && output.Profile.Capabilities.Interactive;

var context = new CliContext(output, error, Environment.GetEnvironmentVariable, live);
return await new CliApplication(context).RunAsync(args).ConfigureAwait(false);
