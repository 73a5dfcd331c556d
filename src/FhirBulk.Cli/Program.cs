using System.Runtime.InteropServices;
using FhirBulk.Cli;
using FhirBulk.Cli.Rendering;
using Spectre.Console;

var output = AnsiConsole.Console;
var error = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
ConsoleWidth.Fit(output, !Console.IsOutputRedirected, Environment.GetEnvironmentVariable);
ConsoleWidth.Fit(error, !Console.IsErrorRedirected, Environment.GetEnvironmentVariable);

// Live bars only when a person is watching; pipes, files and CI get plain lines.
var live = !Console.IsOutputRedirected && output.Profile.Capabilities.Interactive;

// Ctrl-C and SIGTERM cancel the running command, which then stops cleanly; a second one stops the process at once.
using var stop = new CancellationTokenSource();
var signals = new StopSignals(stop, TimeProvider.System, line => Console.Error.WriteLine(line), Environment.Exit);
void OnSignal(PosixSignalContext signal) => signal.Cancel = signals.Handle(signal.Signal);

using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

var context = new CliContext(output, error, Environment.GetEnvironmentVariable, live);
return await new CliApplication(context).RunAsync(args, stop.Token).ConfigureAwait(false);
