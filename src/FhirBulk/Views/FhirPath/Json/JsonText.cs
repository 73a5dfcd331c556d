using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FhirBulk.Views.FhirPath.Json;

/// <summary>
/// Reading of raw UTF-8 JSON for the path engine: finding the end of a value, walking the members of an
/// object and the items of an array, decoding a string. It trusts the structure (a <see cref="Ndjson.ResourceLine"/>
/// is one JSON object, checked by the source) and only ever looks at what a path names: everything else is skipped
/// with vectorised searches for the next quote or bracket, never tokenised.
/// </summary>
internal static class JsonText
{
    /// <summary>Where a value starts, after any whitespace.</summary>
    public static int SkipWhitespace(ReadOnlySpan<byte> json, int at)
    {
        while (at < json.Length && json[at] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            at++;
        }

        return at;
    }

    /// <summary>The position just after the value starting at <paramref name="at"/> (no leading whitespace).</summary>
    public static int SkipValue(ReadOnlySpan<byte> json, int at) => json[at] switch
    {
        (byte)'"' => SkipString(json, at),
        (byte)'{' or (byte)'[' => SkipContainer(json, at),
        _ => SkipLiteral(json, at),
    };

    /// <summary>The position just after the string whose opening quote is at <paramref name="at"/>.</summary>
    public static int SkipString(ReadOnlySpan<byte> json, int at)
    {
        var i = at + 1;
        while (true)
        {
            var next = json[i..].IndexOfAny((byte)'"', (byte)'\\');
            if (next < 0)
            {
                throw Malformed();
            }

            i += next;
            if (json[i] == (byte)'"')
            {
                return i + 1;
            }

            i += 2;
        }
    }

    private static int SkipContainer(ReadOnlySpan<byte> json, int at)
    {
        var depth = 0;
        var i = at;
        while (true)
        {
            var next = json[i..].IndexOfAny("\"{}[]"u8);
            if (next < 0)
            {
                throw Malformed();
            }

            i += next;
            switch (json[i])
            {
                case (byte)'"':
                    i = SkipString(json, i);
                    continue;
                case (byte)'{' or (byte)'[':
                    depth++;
                    break;
                default:
                    if (--depth == 0)
                    {
                        return i + 1;
                    }

                    break;
            }

            i++;
        }
    }

    private static int SkipLiteral(ReadOnlySpan<byte> json, int at)
    {
        var end = json[at..].IndexOfAny(",}] \t\r\n"u8);
        return end < 0 ? json.Length : at + end;
    }

    /// <summary>
    /// Moves to the next member of the object being walked: <paramref name="at"/> is just after its <c>{</c> or after
    /// the previous member's value; gives the member's raw name (without quotes) and its value's span.
    /// </summary>
    public static bool NextMember(ReadOnlySpan<byte> json, ref int at, out int nameStart, out int nameEnd, out int valueStart, out int valueEnd)
    {
        var i = SkipWhitespace(json, at);
        if (json[i] == (byte)',')
        {
            i = SkipWhitespace(json, i + 1);
        }

        if (json[i] != (byte)'"')
        {
            nameStart = nameEnd = valueStart = valueEnd = at = i;
            return false;
        }

        nameStart = i + 1;
        var afterName = SkipString(json, i);
        nameEnd = afterName - 1;
        i = SkipWhitespace(json, afterName);
        i = SkipWhitespace(json, i + 1); // the colon
        valueStart = i;
        valueEnd = SkipValue(json, i);
        at = valueEnd;
        return true;
    }

    /// <summary>
    /// Moves to the next item of the array being walked: <paramref name="at"/> is just after its <c>[</c> or after
    /// the previous item.
    /// </summary>
    public static bool NextItem(ReadOnlySpan<byte> json, ref int at, out int valueStart, out int valueEnd)
    {
        var i = SkipWhitespace(json, at);
        if (json[i] == (byte)',')
        {
            i = SkipWhitespace(json, i + 1);
        }

        if (json[i] == (byte)']')
        {
            valueStart = valueEnd = at = i;
            return false;
        }

        valueStart = i;
        valueEnd = SkipValue(json, i);
        at = valueEnd;
        return true;
    }

    /// <summary>Whether the value at <paramref name="at"/> is JSON <c>null</c>.</summary>
    public static bool IsNull(ReadOnlySpan<byte> json, int at) => json[at] == (byte)'n';

    /// <summary>The text of the string value spanning <paramref name="start"/> to <paramref name="end"/> (quotes included), unescaped.</summary>
    public static string DecodeString(ReadOnlySpan<byte> json, int start, int end)
    {
        var raw = json[(start + 1)..(end - 1)];
        if (raw.IndexOf((byte)'\\') < 0)
        {
            return Encoding.UTF8.GetString(raw);
        }

        var reader = new Utf8JsonReader(json[start..end]);
        reader.Read();
        return reader.GetString()!;
    }

    /// <summary>The text of any primitive value: a string unescaped, a number or literal as written.</summary>
    public static string Text(ReadOnlySpan<byte> json, int start, int end) =>
        json[start] == (byte)'"' ? DecodeString(json, start, end) : Encoding.UTF8.GetString(json[start..end]);

    /// <summary>Whether the string value spanning <paramref name="start"/> to <paramref name="end"/> equals <paramref name="utf8"/> exactly.</summary>
    public static bool StringEquals(ReadOnlySpan<byte> json, int start, int end, ReadOnlySpan<byte> utf8)
    {
        var raw = json[(start + 1)..(end - 1)];
        return raw.IndexOf((byte)'\\') < 0
            ? raw.SequenceEqual(utf8)
            : DecodeString(json, start, end) == Encoding.UTF8.GetString(utf8);
    }

    /// <summary>The decimal a number spans, keeping its written scale (<c>1.50</c> stays 1.50).</summary>
    public static decimal ParseDecimal(ReadOnlySpan<byte> json, int start, int end)
    {
        var text = Unquote(json, start, end);
        if (Utf8Parser.TryParse(text, out decimal value, out var consumed) && consumed == text.Length)
        {
            return value;
        }

        return decimal.Parse(Encoding.UTF8.GetString(text), NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    /// <summary>The integer a number spans.</summary>
    public static long ParseInteger(ReadOnlySpan<byte> json, int start, int end)
    {
        var text = Unquote(json, start, end);
        if (Utf8Parser.TryParse(text, out long value, out var consumed) && consumed == text.Length)
        {
            return value;
        }

        // FHIR allows an integer written as 1.0 or 1e2; what it denotes is still an integer.
        return (long)decimal.Parse(Encoding.UTF8.GetString(text), NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    // integer64 is written as a JSON string; other numbers are bare.
    private static ReadOnlySpan<byte> Unquote(ReadOnlySpan<byte> json, int start, int end) =>
        json[start] == (byte)'"' ? json[(start + 1)..(end - 1)] : json[start..end];

    private static JsonException Malformed() => new("the resource's JSON ends inside a value");
}
