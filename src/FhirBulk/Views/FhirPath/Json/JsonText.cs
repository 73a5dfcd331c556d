using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Text;
using System.Text.Json;

namespace FhirBulk.Views.FhirPath.Json;

/// <summary>
/// Reading of raw UTF-8 JSON for the path engine: finding the end of a value, walking the members of an
/// object and the items of an array, decoding a string. It trusts the structure (a <see cref="Ndjson.ResourceLine"/>
/// is one JSON object, checked by the source) and only ever looks at what a path names: everything else is skipped
/// with vectorised searches for the next quote or bracket, never tokenised.
/// </summary>
/// <remarks>
/// The walking methods are compiled fully optimised at once: a view over a few hundred MB is over before tiered JIT
/// would promote them, and their unoptimised first tier runs several times slower.
/// </remarks>
internal static class JsonText
{
    /// <summary>Where a value starts, after any whitespace.</summary>
    /// <remarks>
    /// Inlined, with the case of compact JSON (what bulk exports write: no whitespace at all) first: walking a member
    /// asks this four times.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int SkipWhitespace(ReadOnlySpan<byte> json, int at) =>
        (uint)at < (uint)json.Length && json[at] > (byte)' ' ? at : SkipWhitespaceFrom(json, at);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int SkipWhitespaceFrom(ReadOnlySpan<byte> json, int at)
    {
        while (at < json.Length && json[at] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            at++;
        }

        return at;
    }

    /// <summary>The position just after the value starting at <paramref name="at"/> (no leading whitespace).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int SkipValue(ReadOnlySpan<byte> json, int at) => json[at] switch
    {
        (byte)'"' => SkipString(json, at),
        (byte)'{' or (byte)'[' => SkipContainer(json, at),
        _ => SkipLiteral(json, at),
    };

    /// <summary>The position just after the string whose opening quote is at <paramref name="at"/>.</summary>
    /// <remarks>
    /// Most strings in FHIR data (names, codes, references, dates) are short: one vector compare of the next 32 bytes
    /// (AVX2 under the JIT) or 16 bytes (the Native AOT build's baseline, and Arm64) finds their end without a call into
    /// the general search, which costs more than the search itself for such short runs.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int SkipString(ReadOnlySpan<byte> json, int at) =>
        Vector256.IsHardwareAccelerated ? SkipStringBy32(json, at) : SkipStringBy16(json, at);

    /// <summary><see cref="SkipString"/> with a first look at 32 bytes; internal for the tests of each width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int SkipStringBy32(ReadOnlySpan<byte> json, int at)
    {
        var i = at + 1;
        if (i <= json.Length - Vector256<byte>.Count)
        {
            var chunk = Vector256.Create(json.Slice(i, Vector256<byte>.Count));
            var quotes = Vector256.Equals(chunk, Vector256.Create((byte)'"')).ExtractMostSignificantBits();
            var backslashes = Vector256.Equals(chunk, Vector256.Create((byte)'\\')).ExtractMostSignificantBits();
            if (EndsFirst(quotes, backslashes))
            {
                return i + BitOperations.TrailingZeroCount(quotes) + 1;
            }

            if ((quotes | backslashes) == 0)
            {
                i += Vector256<byte>.Count;
            }
        }

        return SkipStringRest(json, i);
    }

    /// <summary><see cref="SkipString"/> with a first look at 16 bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int SkipStringBy16(ReadOnlySpan<byte> json, int at)
    {
        var i = at + 1;
        if (i <= json.Length - Vector128<byte>.Count)
        {
            var chunk = Vector128.Create(json.Slice(i, Vector128<byte>.Count));
            var quotes = Vector128.Equals(chunk, Vector128.Create((byte)'"')).ExtractMostSignificantBits();
            var backslashes = Vector128.Equals(chunk, Vector128.Create((byte)'\\')).ExtractMostSignificantBits();
            if (EndsFirst(quotes, backslashes))
            {
                return i + BitOperations.TrailingZeroCount(quotes) + 1;
            }

            if ((quotes | backslashes) == 0)
            {
                i += Vector128<byte>.Count;
            }
        }

        return SkipStringRest(json, i);
    }

    /// <summary>Whether a chunk's string ends in it: its first quote comes before any backslash.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool EndsFirst(uint quotes, uint backslashes) =>
        quotes != 0 && (backslashes == 0 || BitOperations.TrailingZeroCount(quotes) < BitOperations.TrailingZeroCount(backslashes));

    /// <summary>The rest of <see cref="SkipString"/> from <paramref name="i"/>, inside the string, by the general search.</summary>
    private static int SkipStringRest(ReadOnlySpan<byte> json, int i)
    {
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

    /// <summary>
    /// The position just after the object or array opening at <paramref name="at"/>. Most of a resource's bytes sit in
    /// members no view names, so this is where skipping spends its time: it works on 64-byte blocks as simdjson's first
    /// stage does (Langdale and Lemire, "Parsing Gigabytes of JSON per Second", 2019): vector compares give bit masks
    /// of quotes, backslashes and brackets, escapes and the inside of strings follow by bit arithmetic, and a block is
    /// only walked bit by bit when the container could close in it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int SkipContainer(ReadOnlySpan<byte> json, int at)
    {
        var scan = default(ContainerScan);
        var blockStart = at;
        for (; blockStart <= json.Length - BlockSize; blockStart += BlockSize)
        {
            if (scan.Closes(json.Slice(blockStart, BlockSize)) is var bit and >= 0)
            {
                return blockStart + bit + 1;
            }
        }

        // The last, partial block is read from a padded copy, made only when the container reaches it (most close long
        // before their line ends) and in a method of its own, so that the common path keeps no buffer to clear.
        if (blockStart < json.Length && CloseInTail(json[blockStart..], ref scan) is var last and >= 0)
        {
            return blockStart + last + 1;
        }

        throw Malformed();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int CloseInTail(ReadOnlySpan<byte> tail, ref ContainerScan scan)
    {
        // Zeros are nothing to the scan: no quote, backslash or bracket.
        Span<byte> block = stackalloc byte[BlockSize];
        block.Clear();
        tail.CopyTo(block);
        return scan.Closes(block);
    }

    /// <summary>The state of a container scan carried from one 64-byte block to the next.</summary>
    private struct ContainerScan
    {
        private int _depth;
        private ulong _inStringCarry;
        private ulong _escapedCarry;

        /// <summary>The position in <paramref name="block"/> of the bracket that closes the container, or -1.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public int Closes(ReadOnlySpan<byte> block)
        {
            var (quotes, backslashes, opens, closes) = Classify(block);
            if ((backslashes | _escapedCarry) != 0)
            {
                quotes &= ~Escaped(backslashes, ref _escapedCarry);
            }

            // Bit i is set from an opening quote up to, not including, its closing quote.
            var inString = PrefixXor(quotes) ^ _inStringCarry;
            _inStringCarry = (ulong)((long)inString >> 63);
            opens &= ~inString;
            closes &= ~inString;
            if (BitOperations.PopCount(closes) < _depth)
            {
                _depth += BitOperations.PopCount(opens) - BitOperations.PopCount(closes);
                return -1;
            }

            for (var brackets = opens | closes; brackets != 0; brackets &= brackets - 1)
            {
                var bit = BitOperations.TrailingZeroCount(brackets);
                if ((opens & (1UL << bit)) != 0)
                {
                    _depth++;
                }
                else if (--_depth == 0)
                {
                    return bit;
                }
            }

            return -1;
        }
    }

    private const int BlockSize = 64;

    /// <summary>Bit masks of one block: quotes, backslashes, opening brackets and closing brackets.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (ulong Quotes, ulong Backslashes, ulong Opens, ulong Closes) Classify(ReadOnlySpan<byte> block)
    {
        if (Vector256.IsHardwareAccelerated)
        {
            // Two 32-byte vectors where the hardware has them (AVX2): half the instructions of four 16-byte ones.
            var low = Vector256.Create(block[..32]);
            var high = Vector256.Create(block.Slice(32, 32));
            return (
                Mask(Vector256.Equals(low, Vector256.Create((byte)'"')), Vector256.Equals(high, Vector256.Create((byte)'"'))),
                Mask(Vector256.Equals(low, Vector256.Create((byte)'\\')), Vector256.Equals(high, Vector256.Create((byte)'\\'))),
                Mask(Vector256.Equals(low | Vector256.Create((byte)0x20), Vector256.Create((byte)'{')), Vector256.Equals(high | Vector256.Create((byte)0x20), Vector256.Create((byte)'{'))),
                Mask(Vector256.Equals(low | Vector256.Create((byte)0x20), Vector256.Create((byte)'}')), Vector256.Equals(high | Vector256.Create((byte)0x20), Vector256.Create((byte)'}'))));
        }

        ulong quotes = 0, backslashes = 0, opens = 0, closes = 0;

        // Four 16-byte vectors: accelerated on x64 and Arm64 alike.
        for (var part = 0; part < BlockSize / 16; part++)
        {
            var v = Vector128.Create(block.Slice(part * 16, 16));

            // '[' | 0x20 is '{' and ']' | 0x20 is '}', so one compare finds both kinds of bracket.
            var folded = v | Vector128.Create((byte)0x20);
            var shift = part * 16;
            quotes |= (ulong)Vector128.Equals(v, Vector128.Create((byte)'"')).ExtractMostSignificantBits() << shift;
            backslashes |= (ulong)Vector128.Equals(v, Vector128.Create((byte)'\\')).ExtractMostSignificantBits() << shift;
            opens |= (ulong)Vector128.Equals(folded, Vector128.Create((byte)'{')).ExtractMostSignificantBits() << shift;
            closes |= (ulong)Vector128.Equals(folded, Vector128.Create((byte)'}')).ExtractMostSignificantBits() << shift;
        }

        return (quotes, backslashes, opens, closes);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mask(Vector256<byte> low, Vector256<byte> high) =>
        low.ExtractMostSignificantBits() | ((ulong)high.ExtractMostSignificantBits() << 32);

    /// <summary>
    /// The bytes of the block a backslash escapes; <paramref name="carry"/> brings an escape from the previous block's
    /// last byte and takes one to the next. Backslashes are rare in FHIR data, so they are walked one by one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ulong Escaped(ulong backslashes, ref ulong carry)
    {
        var escaped = carry;
        var escapes = backslashes & ~carry;
        carry = 0;
        while (escapes != 0)
        {
            var bit = BitOperations.TrailingZeroCount(escapes);
            if (bit == BlockSize - 1)
            {
                carry = 1;
                break;
            }

            // The escaped byte is a character even when it is a backslash.
            escaped |= 1UL << (bit + 1);
            escapes &= bit + 2 == BlockSize ? 0 : ~((1UL << (bit + 2)) - 1);
        }

        return escaped;
    }

    /// <summary>Bit i of the result is the XOR of bits 0 to i.</summary>
    private static ulong PrefixXor(ulong bits)
    {
        bits ^= bits << 1;
        bits ^= bits << 2;
        bits ^= bits << 4;
        bits ^= bits << 8;
        bits ^= bits << 16;
        bits ^= bits << 32;
        return bits;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int SkipLiteral(ReadOnlySpan<byte> json, int at)
    {
        var end = json[at..].IndexOfAny(",}] \t\r\n"u8);
        return end < 0 ? json.Length : at + end;
    }

    /// <summary>
    /// Moves to the next member of the object being walked: <paramref name="at"/> is just after its <c>{</c> or after
    /// the previous member's value; gives the member's raw name (without quotes) and its value's span.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
