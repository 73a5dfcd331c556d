using FhirBulk.Export;
using Spectre.Console;

namespace FhirBulk.Cli.Rendering;

/// <summary>
/// Turns the library's <see cref="ServerWait"/> reports into <c>note:</c> lines on stderr, without <c>--verbose</c>:
/// a wait of more than <see cref="Threshold"/> is explained, so a client that waits is never mistaken for one that hangs.
/// </summary>
internal sealed class WaitNotes(CliContext context)
{
    /// <summary>Shorter waits pass unannounced: they are the ordinary rhythm of retries and polls.</summary>
    public static readonly TimeSpan Threshold = TimeSpan.FromSeconds(5);

    private readonly Lock _gate = new();
    private TimeSpan? _lastPollWait;
    private (ServerWait Wait, long At)? _lastRetry;

    /// <summary>The latest retry wait and when it began (a timestamp of the context's clock), for progress lines that say what the client waits for.</summary>
    public (ServerWait Wait, long At)? LastRetry
    {
        get
        {
            lock (_gate)
            {
                return _lastRetry;
            }
        }
    }

    public void Report(ServerWait wait)
    {
        lock (_gate)
        {
            if (wait.IsRetry)
            {
                _lastRetry = (wait, context.TimeProvider.GetTimestamp());
            }

            if (wait.Delay <= Threshold)
            {
                return;
            }

            // The pause between polls of a running export is said once, and again when it changes: a server that asks
            // for 30 s every time should not fill the screen (the progress display shows the polls themselves).
            if (!wait.IsRetry)
            {
                var rounded = TimeSpan.FromSeconds(Math.Round(wait.Delay.TotalSeconds));
                if (rounded == _lastPollWait && !wait.Capped)
                {
                    return;
                }

                _lastPollWait = rounded;
            }

            // The budget is the command line's --max-wait: named, so that the user knows what to raise.
            var line = $"note: {wait.Describe()}{(wait.EndsBudget is null ? string.Empty : " (--max-wait)")}";
            if (context.LiveProgress)
            {
                // Through the console, so that the live bars are redrawn below the note instead of over it.
                context.Error.WriteLine(line, new Style(Color.Yellow));
            }
            else
            {
                // One line, however long: a log or a script reads it whole.
                context.Error.Profile.Out.Writer.WriteLine(line);
            }
        }
    }
}
