using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Text;
using System.Text.Unicode;

namespace FhirBulk.Ndjson;

/// <summary>
/// The fast path of <see cref="ResourceLineClassifier"/>: a single pass over one NDJSON line that proves it is a
/// resource (a well-formed JSON object whose top-level <c>resourceType</c> is a non-empty string and whose <c>id</c>,
/// if any, is a string) and finds those two members, several times faster than walking it with
/// <see cref="System.Text.Json.Utf8JsonReader"/>.
/// </summary>
/// <remarks>
/// It only ever answers "certainly a resource" or "not sure": anything unusual (escapes in a top-level key or in the
/// <c>resourceType</c> or <c>id</c> value, a repeated or non-string <c>resourceType</c> or <c>id</c>, an empty
/// <c>resourceType</c>, nesting deeper than <see cref="MaxDepth"/>, invalid UTF-8, or any syntax error) returns
/// <see langword="false"/>, and the classifier reads the line with <see cref="System.Text.Json.Utf8JsonReader"/>,
/// which decides and words the problem. So the scanner never accepts a line the reader would reject (property-tested),
/// and being conservative costs only speed on lines that are rare in real exports.
/// </remarks>
internal static class ResourceLineScanner
{
    /// <summary>The reader's default maximum depth; deeper lines go to the reader.</summary>
    public const int MaxDepth = 64;

    // Bytes that end the run through a string's content: its end, an escape, or a control character (invalid). Searched
    // with our own vector code rather than SearchValues, whose generic code starts unoptimised in every process (tiered
    // JIT) and so runs slowly for most of a download of a few seconds.
    private static readonly bool[] StringStops = [.. Enumerable.Range(0, 256).Select(b => b < 0x20 || b == '"' || b == '\\')];

    /// <summary>
    /// Returns <see langword="true"/> when <paramref name="line"/> is certainly one JSON object (with optional
    /// surrounding whitespace) that is a resource, with its <c>resourceType</c> and <c>id</c> as raw bytes in
    /// <paramref name="key"/>; <see langword="false"/> when the reader must decide.
    /// </summary>
    // Every method here is compiled fully optimised at once: a download is over before tiered JIT would promote them.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryScan(ReadOnlySpan<byte> line, out ResourceLineKey key) => TryScan(line, out key, default, out _);

    /// <summary>
    /// <see cref="TryScan(ReadOnlySpan{byte}, out ResourceLineKey)"/>, also writing where each top-level member lies,
    /// found on the way: four ints per member, in the order written, its name's start and end (inside the quotes) and
    /// its value's start and end (the end just past the value), as the view engine indexes a resource.
    /// </summary>
    /// <param name="line">The line.</param>
    /// <param name="key">The resource's type and id.</param>
    /// <param name="members">Where to write the members; empty to find none.</param>
    /// <param name="memberCount">How many members were written, or -1 when there were more than fit (or none were asked).</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryScan(ReadOnlySpan<byte> line, out ResourceLineKey key, Span<int> members, out int memberCount)
    {
        key = default;
        memberCount = -1;
        var recording = !members.IsEmpty;
        var count = 0;
        ReadOnlySpan<byte> resourceType = default;
        ReadOnlySpan<byte> id = default;
        var hasId = false;
        var escapes = false;
        if (!Ascii.IsValid(line) && !Utf8.IsValid(line))
        {
            return false;
        }

        var i = SkipWhitespace(line, 0);
        if (i >= line.Length || line[i] != (byte)'{')
        {
            return false;
        }

        // One bit per open container, 1 for an object: enough for MaxDepth levels.
        ulong objects = 1;
        var depth = 1;
        var found = false;
        i++;
        while (true)
        {
            // At the start of an object member or array element (or the container's end).
            i = SkipWhitespace(line, i);
            if (i >= line.Length)
            {
                return false;
            }

            if (line[i] is (byte)'}' or (byte)']')
            {
                // Only an empty container may close here (not one after a comma); the close itself is checked below.
                if (!IsEmptyContainer(line, i))
                {
                    return false;
                }
            }
            else
            {
                if ((objects & 1) != 0)
                {
                    if (line[i] != (byte)'"')
                    {
                        return false;
                    }

                    var nameStart = i + 1;
                    i = SkipString(line, i, out var nameEscaped);
                    escapes |= nameEscaped;
                    if (i < 0)
                    {
                        return false;
                    }

                    var isType = false;
                    var isId = false;
                    var nameEnd = i - 1;
                    if (depth == 1)
                    {
                        // An escaped top-level key might spell resourceType or id: the reader's to judge.
                        if (nameEscaped)
                        {
                            return false;
                        }

                        var name = line[nameStart..nameEnd];
                        isType = name.SequenceEqual("resourceType"u8);
                        isId = !isType && name.SequenceEqual("id"u8);
                    }

                    i = SkipWhitespace(line, i);
                    if (i >= line.Length || line[i] != (byte)':')
                    {
                        return false;
                    }

                    i = SkipWhitespace(line, i + 1);
                    if (depth == 1 && recording)
                    {
                        if (members.Length - (4 * count) < 4)
                        {
                            recording = false;
                        }
                        else
                        {
                            // The value's end follows once the value is skipped (ValueEnded, or the close of a container).
                            members[4 * count] = nameStart;
                            members[(4 * count) + 1] = nameEnd;
                            members[(4 * count) + 2] = i;
                            count++;
                        }
                    }

                    if (isType || isId)
                    {
                        // A repeated or non-string resourceType or id, or one with escapes, is the reader's to judge.
                        if ((isType ? found : hasId) || i >= line.Length || line[i] != (byte)'"')
                        {
                            return false;
                        }

                        var valueStart = i + 1;
                        i = SkipString(line, i, out var valueEscaped);
                        escapes |= valueEscaped;
                        if (i < 0)
                        {
                            return false;
                        }

                        var value = line[valueStart..(i - 1)];
                        if (valueEscaped || (isType && value.IsEmpty))
                        {
                            return false;
                        }

                        if (isType)
                        {
                            resourceType = value;
                            found = true;
                        }
                        else
                        {
                            id = value;
                            hasId = true;
                        }

                        if (recording)
                        {
                            members[(4 * count) - 1] = i;
                        }

                        goto AfterValue;
                    }
                }

                if (i >= line.Length)
                {
                    return false;
                }

                switch (line[i])
                {
                    case (byte)'{':
                    case (byte)'[':
                        if (depth == MaxDepth)
                        {
                            return false;
                        }

                        objects = (objects << 1) | (line[i] == (byte)'{' ? 1UL : 0UL);
                        depth++;
                        i++;
                        continue;
                    case (byte)'"':
                        i = SkipString(line, i, out var escaped);
                        escapes |= escaped;
                        break;
                    case (byte)'t':
                        i = SkipLiteral(line, i, "true"u8);
                        break;
                    case (byte)'f':
                        i = SkipLiteral(line, i, "false"u8);
                        break;
                    case (byte)'n':
                        i = SkipLiteral(line, i, "null"u8);
                        break;
                    default:
                        i = SkipNumber(line, i);
                        break;
                }

                if (i < 0)
                {
                    return false;
                }

                // A scalar at depth 1 is a member's value.
                if (depth == 1 && recording)
                {
                    members[(4 * count) - 1] = i;
                }
            }

        AfterValue:
            // After a value (or a closed container): a comma, or the end of one or more containers.
            while (true)
            {
                i = SkipWhitespace(line, i);
                if (i >= line.Length)
                {
                    return false;
                }

                if (line[i] == (byte)',')
                {
                    i++;
                    break;
                }

                if (line[i] != ((objects & 1) != 0 ? (byte)'}' : (byte)']'))
                {
                    return false;
                }

                i++;
                objects >>= 1;
                if (--depth == 0)
                {
                    if (!found || SkipWhitespace(line, i) != line.Length)
                    {
                        return false;
                    }

                    key = new ResourceLineKey(resourceType, id, hasId, escapes);
                    memberCount = recording ? count : -1;
                    return true;
                }

                // A container closing back at depth 1 was a member's value.
                if (depth == 1 && recording)
                {
                    members[(4 * count) - 1] = i;
                }
            }
        }
    }

    /// <summary>Whether the <c>}</c> or <c>]</c> at <paramref name="close"/> closes a container with nothing in it (not one after a comma).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool IsEmptyContainer(ReadOnlySpan<byte> line, int close)
    {
        var j = close - 1;
        while (line[j] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            j--;
        }

        return line[j] is (byte)'{' or (byte)'[';
    }

    // JSON whitespace is all at or below the space, and structure, names and values all above it: NDJSON from servers
    // has no whitespace between tokens, so one comparison usually settles it (a quarter of the scan's time otherwise).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int SkipWhitespace(ReadOnlySpan<byte> line, int i) =>
        (uint)i < (uint)line.Length && line[i] > (byte)' ' ? i : SkipWhitespaceFrom(line, i);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int SkipWhitespaceFrom(ReadOnlySpan<byte> line, int i)
    {
        while (i < line.Length && line[i] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            i++;
        }

        return i;
    }

    /// <summary>
    /// Skips the string starting with the quote at <paramref name="i"/>; returns the index after its closing quote, or
    /// -1. <paramref name="escaped"/> says whether it holds an escape, which the caller would otherwise search for again.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int SkipString(ReadOnlySpan<byte> line, int i, out bool escaped)
    {
        escaped = false;
        i++;
        while (true)
        {
            i = NextStringStop(line, i);
            if (i >= line.Length)
            {
                return -1;
            }

            switch (line[i])
            {
                case (byte)'"':
                    return i + 1;
                case (byte)'\\':
                    escaped = true;
                    if (i + 1 >= line.Length)
                    {
                        return -1;
                    }

                    if (line[i + 1] == (byte)'u')
                    {
                        if (i + 6 > line.Length || !IsHex(line[i + 2]) || !IsHex(line[i + 3]) || !IsHex(line[i + 4]) || !IsHex(line[i + 5]))
                        {
                            return -1;
                        }

                        // Lone or misordered surrogates are the reader's to judge.
                        if ((line[i + 2] | 0x20) == (byte)'d' && line[i + 3] >= (byte)'8')
                        {
                            return -1;
                        }

                        i += 6;
                    }
                    else if (line[i + 1] is (byte)'"' or (byte)'\\' or (byte)'/' or (byte)'b' or (byte)'f' or (byte)'n' or (byte)'r' or (byte)'t')
                    {
                        i += 2;
                    }
                    else
                    {
                        return -1;
                    }

                    break;
                default:
                    return -1;
            }
        }
    }

    /// <summary>The index of the first quote, backslash or control character at or after <paramref name="i"/>, or the line's length.</summary>
    /// <remarks>
    /// By 32-byte vectors where the hardware has them (AVX2 under the JIT), else by 16-byte ones: the Native AOT build
    /// targets a baseline without AVX2, where <see cref="Vector256.IsHardwareAccelerated"/> is false at compile time, and
    /// a byte-by-byte search cost an eighth of a whole <c>view</c> run there.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int NextStringStop(ReadOnlySpan<byte> line, int i) =>
        Vector256.IsHardwareAccelerated ? NextStringStopBy32(line, i) : NextStringStopBy16(line, i);

    /// <summary><see cref="NextStringStop"/> by 32-byte vectors, then byte by byte; internal for the tests of each width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int NextStringStopBy32(ReadOnlySpan<byte> line, int i)
    {
        var quote = Vector256.Create((byte)'"');
        var backslash = Vector256.Create((byte)'\\');
        var space = Vector256.Create((byte)' ');
        while (i <= line.Length - Vector256<byte>.Count)
        {
            var chunk = Vector256.Create(line.Slice(i, Vector256<byte>.Count));
            var stops = Vector256.Equals(chunk, quote) | Vector256.Equals(chunk, backslash) | Vector256.LessThan(chunk, space);
            if (stops != Vector256<byte>.Zero)
            {
                return i + BitOperations.TrailingZeroCount(stops.ExtractMostSignificantBits());
            }

            i += Vector256<byte>.Count;
        }

        return NextStringStopByByte(line, i);
    }

    /// <summary><see cref="NextStringStop"/> by 16-byte vectors (x64 and Arm64 alike), then byte by byte.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int NextStringStopBy16(ReadOnlySpan<byte> line, int i)
    {
        var quote = Vector128.Create((byte)'"');
        var backslash = Vector128.Create((byte)'\\');
        var space = Vector128.Create((byte)' ');
        while (i <= line.Length - Vector128<byte>.Count)
        {
            var chunk = Vector128.Create(line.Slice(i, Vector128<byte>.Count));
            var stops = Vector128.Equals(chunk, quote) | Vector128.Equals(chunk, backslash) | Vector128.LessThan(chunk, space);
            if (stops != Vector128<byte>.Zero)
            {
                return i + BitOperations.TrailingZeroCount(stops.ExtractMostSignificantBits());
            }

            i += Vector128<byte>.Count;
        }

        return NextStringStopByByte(line, i);
    }

    /// <summary><see cref="NextStringStop"/> byte by byte: the line's last few bytes, and the reference of the tests.</summary>
    internal static int NextStringStopByByte(ReadOnlySpan<byte> line, int i)
    {
        var table = StringStops;
        while (i < line.Length && !table[line[i]])
        {
            i++;
        }

        return i;
    }

    private static bool IsHex(byte b) => char.IsAsciiHexDigit((char)b);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int SkipLiteral(ReadOnlySpan<byte> line, int i, ReadOnlySpan<byte> literal) =>
        line[i..].StartsWith(literal) ? i + literal.Length : -1;

    /// <summary>Skips a number as RFC 8259 writes it (<c>-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?</c>); returns the index after it, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int SkipNumber(ReadOnlySpan<byte> line, int i)
    {
        if (i < line.Length && line[i] == (byte)'-')
        {
            i++;
        }

        if (i >= line.Length || !char.IsAsciiDigit((char)line[i]))
        {
            return -1;
        }

        i = line[i] == (byte)'0' ? i + 1 : SkipDigits(line, i);
        if (i < line.Length && line[i] == (byte)'.')
        {
            var start = i + 1;
            i = SkipDigits(line, start);
            if (i == start)
            {
                return -1;
            }
        }

        if (i < line.Length && (line[i] | 0x20) == (byte)'e')
        {
            i++;
            if (i < line.Length && line[i] is (byte)'+' or (byte)'-')
            {
                i++;
            }

            var start = i;
            i = SkipDigits(line, start);
            if (i == start)
            {
                return -1;
            }
        }

        return i;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int SkipDigits(ReadOnlySpan<byte> line, int i)
    {
        while (i < line.Length && char.IsAsciiDigit((char)line[i]))
        {
            i++;
        }

        return i;
    }
}
