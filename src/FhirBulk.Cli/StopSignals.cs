using System.Runtime.InteropServices;

namespace FhirBulk.Cli;

/// <summary>
/// What SIGINT and SIGTERM do. The first cancels the running command, which then stops cleanly (an export keeps its state
/// for --resume and prints the command that carries on, a server shuts down). The same request delivered twice counts
/// once: GNU <c>timeout -s INT</c> signals the command and then its whole process group, and a signal to a group reaches
/// every process of it, so one request often arrives as two within microseconds. A later signal, a person pressing
/// Ctrl-C again, stops the process at once, saying so on stderr rather than ending it with nothing said.
/// </summary>
internal sealed class StopSignals(CancellationTokenSource stop, TimeProvider clock, Action<string> sayOnStderr, Action<int> exit)
{
    /// <summary>Signals closer than this to the first are the same request.</summary>
    public static readonly TimeSpan SameRequest = TimeSpan.FromSeconds(1);

    private long _first = -1;

    /// <summary>What a signal does: cancels the first time, then is ignored within <see cref="SameRequest"/>, then exits.</summary>
    /// <returns>Whether the runtime's own handling (ending the process) is cancelled, which it always is.</returns>
    public bool Handle(PosixSignal signal)
    {
        var now = clock.GetTimestamp();
        if (Interlocked.CompareExchange(ref _first, now, -1) == -1)
        {
            stop.Cancel();
            return true;
        }

        if (clock.GetElapsedTime(Interlocked.Read(ref _first), now) < SameRequest)
        {
            return true;
        }

        sayOnStderr("error: stopped at once by a second signal, without finishing cleanly. What was written is kept: run the same command again to carry on (an export: fhir-bulk export --resume with its folder).");
        exit(signal == PosixSignal.SIGTERM ? 143 : ExitCodes.Cancelled);
        return true;
    }
}
