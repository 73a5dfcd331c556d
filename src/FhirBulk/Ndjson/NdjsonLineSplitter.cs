using System.Buffers;

namespace FhirBulk.Ndjson;

/// <summary>
/// The framing half of the NDJSON line contract, fed bytes as they arrive in chunks of any size: it hands out each
/// non-blank line, without its terminator and surrounding whitespace, with its 1-based number. The download check
/// pushes what it receives through it; the sources push what they read.
/// </summary>
/// <remarks>
/// <para>The rules, in one place for every consumer:</para>
/// <list type="bullet">
/// <item>A UTF-8 byte-order mark (<c>EF BB BF</c>) at the very start of the stream is skipped: RFC 8259 §8.1 lets a
/// parser ignore one there. Anywhere else it is part of a line, and no JSON text starts with it.</item>
/// <item>A line ends with LF or CRLF (NDJSON spec 1.0 §3.2 requires both); the last line may lack one.</item>
/// <item>JSON whitespace (space, tab, CR) around a line is not part of it (RFC 8259 §2 allows it around a value), so a
/// line of only whitespace is blank. Blank lines are skipped, as NDJSON §3.2 allows, but still counted, so that line
/// numbers match what an editor shows.</item>
/// </list>
/// <para>
/// A line inside one chunk is handed out where it lies, without copying; only a line split across chunks is gathered
/// in a buffer that is reused (and grows to the longest such line).
/// </para>
/// </remarks>
internal sealed class NdjsonLineSplitter
{
    private static ReadOnlySpan<byte> ByteOrderMark => [0xEF, 0xBB, 0xBF];

    private static ReadOnlySpan<byte> Whitespace => " \t\r"u8;

    private readonly ArrayBufferWriter<byte> _partial = new();
    private bool _partialTaken;

    /// <summary>The number of the last line framed (handed out or skipped as blank); 0 before the first.</summary>
    public long LineNumber { get; private set; }

    /// <summary>How many bytes of the last line handed out come before its text (a byte-order mark, whitespace).</summary>
    public int TextOffset { get; private set; }

    /// <summary>
    /// Takes the next non-blank line that ends in <paramref name="data"/>, and moves <paramref name="data"/> past it.
    /// Returns <see langword="false"/> once <paramref name="data"/> holds no more line ends: what is left of it is kept
    /// as the start of the next line. <paramref name="line"/> is valid until the next call.
    /// </summary>
    public bool TryReadLine(ref ReadOnlySpan<byte> data, out ReadOnlySpan<byte> line)
    {
        ReleasePartial();
        while (true)
        {
            var end = data.IndexOf((byte)'\n');
            if (end < 0)
            {
                _partial.Write(data);
                data = default;
                line = default;
                return false;
            }

            ReadOnlySpan<byte> raw;
            if (_partial.WrittenCount == 0)
            {
                raw = data[..end];
            }
            else
            {
                _partial.Write(data[..end]);
                raw = _partial.WrittenSpan;
                _partialTaken = true;
            }

            data = data[(end + 1)..];
            if (Frame(raw, out line))
            {
                return true;
            }

            ReleasePartial();
        }
    }

    /// <summary>Takes the last line when the stream ended without a line end after it and it is not blank.</summary>
    public bool TryReadFinalLine(out ReadOnlySpan<byte> line)
    {
        ReleasePartial();
        if (_partial.WrittenCount == 0)
        {
            line = default;
            return false;
        }

        _partialTaken = true;
        return Frame(_partial.WrittenSpan, out line);
    }

    /// <summary>Drops the start of a line whose end never came (the data was cut), so that it is not taken as a line.</summary>
    public void DiscardPartialLine()
    {
        _partial.ResetWrittenCount();
        _partialTaken = false;
    }

    private void ReleasePartial()
    {
        if (_partialTaken)
        {
            DiscardPartialLine();
        }
    }

    private bool Frame(ReadOnlySpan<byte> raw, out ReadOnlySpan<byte> line)
    {
        LineNumber++;
        var start = LineNumber == 1 && raw.StartsWith(ByteOrderMark) ? ByteOrderMark.Length : 0;
        line = raw[start..].TrimEnd(Whitespace);
        var text = line.TrimStart(Whitespace);
        TextOffset = start + line.Length - text.Length;
        line = text;
        return !line.IsEmpty;
    }
}
