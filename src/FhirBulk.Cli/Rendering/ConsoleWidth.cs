using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace FhirBulk.Cli.Rendering;

/// <summary>How wide the consoles are taken to be.</summary>
internal static class ConsoleWidth
{
    /// <summary>
    /// The width of a console that is not a terminal. Spectre assumes 80 columns there and
    /// hard-wraps at it, so a log file or a pipe got tables and messages cut in pieces; nothing
    /// reads such output on a screen, so lines keep their natural length.
    /// </summary>
    public const int Unbounded = int.MaxValue / 4;

    /// <summary>
    /// Sets <paramref name="console"/>'s width: <c>COLUMNS</c> when the user sets it, else unbounded
    /// when it is not a terminal; a terminal keeps the width Spectre detected.
    /// </summary>
    public static void Fit(IAnsiConsole console, bool terminal, Func<string, string?> environment)
    {
        if (int.TryParse(environment("COLUMNS"), NumberStyles.None, CultureInfo.InvariantCulture, out var columns) && columns > 0)
        {
            console.Profile.Width = columns;
        }
        else if (!terminal)
        {
            console.Profile.Width = Unbounded;
        }
    }

    /// <summary>
    /// <paramref name="renderable"/> given at most <paramref name="width"/> columns: for what fills
    /// whatever width it gets (a rule), which would otherwise be endless where width is unbounded.
    /// </summary>
    public static IRenderable AtMost(int width, IRenderable renderable) => new Limited(renderable, width);

    private sealed class Limited(IRenderable inner, int width) : IRenderable
    {
        public Measurement Measure(RenderOptions options, int maxWidth) => inner.Measure(options, Math.Min(maxWidth, width));

        public IEnumerable<Segment> Render(RenderOptions options, int maxWidth) => inner.Render(options, Math.Min(maxWidth, width));
    }
}
