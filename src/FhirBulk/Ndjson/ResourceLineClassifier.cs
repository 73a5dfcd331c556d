using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace FhirBulk.Ndjson;

/// <summary>
/// The content half of the NDJSON line contract: whether one line, as <see cref="NdjsonLineSplitter"/> hands it out,
/// is a FHIR resource, and if not, the one wording of why that the download check, the sources and <c>inspect</c> all
/// report.
/// </summary>
/// <remarks>
/// A resource is one JSON object, with nothing after it but whitespace, in valid UTF-8 (RFC 8259 §8.1; NDJSON spec
/// 1.0 §3.1), whose top-level <c>resourceType</c> is a non-empty string and whose top-level <c>id</c>, when present,
/// is a string (FHIR R4 JSON §2.6.2: a resource names its type in <c>resourceType</c>; <c>id</c> is a string
/// primitive). Each of the two may appear once: RFC 8259 §4 leaves repeated names to the parser, and a line whose type
/// depends on which one a reader keeps is not one resource. A nested <c>resourceType</c> or <c>id</c> (a contained
/// resource, a Bundle entry) is content, not the line's.
/// </remarks>
internal static class ResourceLineClassifier
{
    /// <summary>
    /// Returns <see langword="null"/> when <paramref name="line"/> is a resource, its type and id then in
    /// <paramref name="key"/>; otherwise what is wrong, e.g. <c>"id" is a number, not a string</c>.
    /// </summary>
    /// <param name="line">A non-blank line without its terminator or surrounding whitespace.</param>
    /// <param name="textOffset">How many bytes of the raw line come before <paramref name="line"/>, so that a position
    /// in the problem counts from the start of the line as an editor shows it.</param>
    /// <param name="key">The resource's type and id, valid as long as <paramref name="line"/>.</param>
    public static string? Classify(ReadOnlySpan<byte> line, int textOffset, out ResourceLineKey key) =>
        // The scanner settles nearly every line; the reader re-reads only what it is unsure of, and words the problem.
        ResourceLineScanner.TryScan(line, out key) ? null : Read(line, textOffset, out key);

    /// <summary>
    /// <see cref="Classify(ReadOnlySpan{byte}, int, out ResourceLineKey)"/>, also writing where the top-level members
    /// lie when the scanner settles the line (<see cref="ResourceLineScanner.TryScan(ReadOnlySpan{byte}, out ResourceLineKey, Span{int}, out int)"/>);
    /// <paramref name="memberCount"/> is -1 when it does not.
    /// </summary>
    public static string? Classify(ReadOnlySpan<byte> line, int textOffset, out ResourceLineKey key, Span<int> members, out int memberCount)
    {
        // A failed scan leaves memberCount at -1.
        return ResourceLineScanner.TryScan(line, out key, members, out memberCount) ? null : Read(line, textOffset, out key);
    }

    /// <summary>
    /// The problem of a resource of <paramref name="actual"/> type in a file of <paramref name="expected"/> resources
    /// (Bulk Data IG: an output file holds the one type its manifest entry names; a file named <c>Type.*.ndjson</c>
    /// announces its type the same way).
    /// </summary>
    public static string WrongType(string actual, string expected) => $"resourceType '{actual}', expected '{expected}'";

    private static string? Read(ReadOnlySpan<byte> line, int textOffset, out ResourceLineKey key)
    {
        key = default;

        // Utf8JsonReader lets invalid UTF-8 through inside strings it only skips.
        if (FirstInvalidUtf8(line) is var invalid and >= 0)
        {
            return $"not valid UTF-8 (at byte {textOffset + invalid + 1} of the line)";
        }

        byte[]? type = null;
        byte[]? id = null;
        var reader = new Utf8JsonReader(line);
        try
        {
            if (!TryReadFirst(ref reader))
            {
                // RFC 8259 §8.1 lets a parser ignore a byte-order mark at the start of a text; NDJSON's is the file.
                return line.StartsWith("\uFEFF"u8)
                    ? "not a JSON object (starts with a byte-order mark, U+FEFF, which only a file's first line may have)"
                    : $"not a JSON object (starts with '{Opening(line)}')";
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                return $"not a JSON object (starts with {Describe(reader.TokenType)})";
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isType = reader.ValueTextEquals("resourceType"u8);
                var isId = !isType && reader.ValueTextEquals("id"u8);
                reader.Read();
                if (!isType && !isId)
                {
                    reader.Skip();
                    continue;
                }

                var name = isType ? "resourceType" : "id";
                if ((isType ? type : id) is not null)
                {
                    return $"\"{name}\" appears twice";
                }

                if (reader.TokenType != JsonTokenType.String)
                {
                    return $"\"{name}\" is {Describe(reader.TokenType)}, not a string";
                }

                if (Unescaped(ref reader) is not { } value)
                {
                    return $"\"{name}\" holds an unpaired surrogate escape (\\uD800-\\uDFFF)";
                }

                if (isType && value.Length == 0)
                {
                    return "\"resourceType\" is an empty string";
                }

                if (isType)
                {
                    type = value;
                }
                else
                {
                    id = value;
                }
            }

            // The reader allows one root value: reading past it ends, or throws on anything but whitespace.
            reader.Read();
        }
        catch (JsonException exception)
        {
            return "not valid JSON: " + Describe(exception, textOffset, line);
        }

        if (type is null)
        {
            return "no \"resourceType\"";
        }

        key = new ResourceLineKey(type, id, id is not null);
        return null;
    }

    // A line that does not even start a JSON value (a log line, an HTML error page, "this is not json") would otherwise be
    // described by what the reader expected of its first letters ("Expected the literal 'true'"), which reads as nonsense.
    private static bool TryReadFirst(ref Utf8JsonReader reader)
    {
        try
        {
            reader.Read();
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    // The line's first characters, cut after OpeningLength of them; those that print nothing (controls, format
    // characters) as \uXXXX, so that the message shows them.
    private static string Opening(ReadOnlySpan<byte> line)
    {
        const int OpeningLength = 24;
        var text = new StringBuilder();
        var runes = 0;
        while (runes < OpeningLength && Rune.DecodeFromUtf8(line, out var rune, out var consumed) == OperationStatus.Done)
        {
            var category = Rune.GetUnicodeCategory(rune);
            text.Append(category is UnicodeCategory.Control or UnicodeCategory.Format ? $"\\u{rune.Value:X4}" : rune.ToString());
            line = line[consumed..];
            runes++;
        }

        return line.IsEmpty ? text.ToString() : text.Append('…').ToString();
    }

    /// <summary>The index of the first byte that is not part of valid UTF-8, or -1.</summary>
    private static int FirstInvalidUtf8(ReadOnlySpan<byte> line)
    {
        if (Utf8.IsValid(line))
        {
            return -1;
        }

        var i = 0;
        while (Rune.DecodeFromUtf8(line[i..], out _, out var consumed) == OperationStatus.Done)
        {
            i += consumed;
        }

        return i;
    }

    /// <summary>The string value as UTF-8 without escapes, or <see langword="null"/> when an escape is an unpaired surrogate.</summary>
    private static byte[]? Unescaped(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped)
        {
            return reader.ValueSpan.ToArray();
        }

        try
        {
            return Encoding.UTF8.GetBytes(reader.GetString()!);
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>
    /// System.Text.Json's message without its <c>LineNumber: 0 | BytePositionInLine: 149.</c> suffix, which counts
    /// from 0 and from the JSON text rather than the line: the position is given 1-based within the line instead. A line
    /// that stops before its JSON does (cut mid-value, or after a comma) is reported "at the end of the line": the
    /// reader's position is then one past its last byte, or the last token it read, neither of which is where the fault is.
    /// </summary>
    private static string Describe(JsonException exception, int textOffset, ReadOnlySpan<byte> line) => exception.BytePositionInLine switch
    {
        { } when EndsMidValue(line) => $"{ErrorText.WithoutPosition(exception)} (at the end of the line)",
        { } position => $"{ErrorText.WithoutPosition(exception)} (at byte {textOffset + position + 1} of the line)",
        null => ErrorText.WithoutPosition(exception),
    };

    // Read as a block with more to come, a line that is only short of its end raises nothing: the reader waits for data.
    private static bool EndsMidValue(ReadOnlySpan<byte> line)
    {
        var reader = new Utf8JsonReader(line, isFinalBlock: false, state: default);
        try
        {
            while (reader.Read())
            {
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.None => "nothing",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        JsonTokenType.StartObject => "an object",
        _ => token.ToString(),
    };
}
