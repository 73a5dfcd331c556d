using Spectre.Console;
using Spectre.Console.Rendering;

namespace FhirBulk.Cli.Rendering;

/// <summary>
/// A table cell that stays on one line: where its column is narrower than the value, the value is cut with an ellipsis,
/// never wrapped. Spectre's <see cref="Text"/> wraps at blanks and cuts only a single word that does not fit, so a cut
/// table (<c>values cut to fit 80 columns</c>) also ran a display text over four lines.
/// </summary>
/// <remarks>
/// Every table or grid cell holding a value a user copies (an id, a count, a path, a kid) is one of these: a value split
/// over two rows (<c>21,82</c> / <c>1</c>) reads as two values, where a cut one says by its <c>…</c> that it is not whole.
/// </remarks>
internal sealed class OneLineCell : IRenderable
{
    private readonly string text;
    private readonly Style? style;

    // Measured as Text is (at least its longest word, at most all of it), so that columns share the width as before.
    private readonly IRenderable measured;

    /// <param name="value">The value, as plain text (not markup).</param>
    /// <param name="style">Its style (bold for a total, yellow for a count that differs), or none.</param>
    public OneLineCell(string value, Style? style = null)
    {
        this.style = style;
        // A value's own line break would be a second line too; a visible mark keeps it a line, and says there was one.
        text = value.ReplaceLineEndings("↵");
        measured = new Text(text, style);
    }

    public Measurement Measure(RenderOptions options, int maxWidth) => measured.Measure(options, maxWidth);

    // Cut first, then rendered as Text, which then fits on its line and is aligned as its column says (numbers right).
    public IEnumerable<Segment> Render(RenderOptions options, int maxWidth) =>
        ((IRenderable)new Text(Segment.SplitOverflow(new Segment(text), Overflow.Ellipsis, maxWidth)[0].Text, style)).Render(options, maxWidth);

    /// <summary>A table or grid row of such cells.</summary>
    public static IRenderable[] Row(params string[] values) => [.. values.Select(value => new OneLineCell(value))];
}
