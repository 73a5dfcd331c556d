using System.Text;

namespace FhirBulk.Cli.Rendering;

/// <summary>
/// A writer that passes text on with the blanks (spaces, tabs) at the end of each line left out. System.CommandLine's
/// help wraps its descriptions at a terminal's width and leaves the blank it broke at on the line, so every wrapped
/// line of <c>--help</c> ended in one: noise when help is copied into a document or a script. Blanks are held until the
/// next character shows whether the line goes on; the inner writer is not disposed with this one.
/// </summary>
internal sealed class LineEndTrimmingWriter(TextWriter inner) : TextWriter(inner.FormatProvider)
{
    private readonly StringBuilder blanks = new();

    public override Encoding Encoding => inner.Encoding;

    public override void Write(char value)
    {
        if (value is ' ' or '\t')
        {
            blanks.Append(value);
            return;
        }

        if (value is not ('\r' or '\n') && blanks.Length > 0)
        {
            inner.Write(blanks);
        }

        blanks.Clear();
        inner.Write(value);
    }

    public override void Write(char[] buffer, int index, int count) => Write(buffer.AsSpan(index, count));

    public override void Write(ReadOnlySpan<char> buffer)
    {
        foreach (var c in buffer)
        {
            Write(c);
        }
    }

    public override void Write(string? value) => Write(value.AsSpan());

    public override void WriteLine(string? value)
    {
        Write(value.AsSpan());
        Write(CoreNewLine);
    }

    public override void Flush() => inner.Flush();
}
