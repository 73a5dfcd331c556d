using Spectre.Console;
using Spectre.Console.Rendering;

namespace FhirBulk.Cli.Rendering;

/// <summary>
/// A renderable whose lines end at their last visible character. Spectre pads every cell of a grid to its column's
/// width, the last column too, so each line but the longest ended in blanks: noise in a log file, a diff or a script's
/// <c>cut</c>, and invisible on a screen, where nothing changes.
/// </summary>
internal sealed class TrimmedLines(IRenderable inner) : IRenderable
{
    public Measurement Measure(RenderOptions options, int maxWidth) => inner.Measure(options, maxWidth);

    public IEnumerable<Segment> Render(RenderOptions options, int maxWidth)
    {
        var line = new List<Segment>();
        foreach (var segment in inner.Render(options, maxWidth))
        {
            if (!segment.IsLineBreak)
            {
                line.Add(segment);
                continue;
            }

            foreach (var kept in WithoutTrailingBlanks(line))
            {
                yield return kept;
            }

            line.Clear();
            yield return segment;
        }

        foreach (var kept in WithoutTrailingBlanks(line))
        {
            yield return kept;
        }
    }

    // The line's segments up to its last visible character; control codes (colours, cursor moves) are kept wherever they are.
    private static List<Segment> WithoutTrailingBlanks(List<Segment> line)
    {
        var kept = new List<Segment>(line.Count);
        var trimming = true;
        for (var i = line.Count - 1; i >= 0; i--)
        {
            var segment = line[i];
            if (trimming && !segment.IsControlCode)
            {
                var text = segment.Text.TrimEnd(' ');
                if (text.Length == 0)
                {
                    continue;
                }

                trimming = false;
                segment = text.Length == segment.Text.Length ? segment : new Segment(text, segment.Style);
            }

            kept.Add(segment);
        }

        kept.Reverse();
        return kept;
    }
}
