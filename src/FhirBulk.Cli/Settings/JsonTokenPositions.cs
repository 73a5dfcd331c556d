using System.Text;
using System.Text.Json;

namespace FhirBulk.Cli.Settings;

/// <summary>
/// Where a member or value named by a JSON path starts in a document, as line and column counted from 1.
/// </summary>
/// <remarks>
/// System.Text.Json reports where its reader stopped, which is past the token it refused (after a value of the wrong
/// type, after the whole value of an unknown member); a person needs the start of that token, and for an unknown
/// member its name, which is what is wrong as a whole.
/// </remarks>
internal static class JsonTokenPositions
{
    /// <summary>The start of what <paramref name="path"/> (System.Text.Json's <c>$.a.b</c> form) names, or null when the document does not hold it.</summary>
    /// <param name="json">The document.</param>
    /// <param name="path">The JSON path from the exception.</param>
    /// <param name="memberName">True: the member's name; false: its value.</param>
    public static (int Line, int Column)? Find(byte[] json, string path, bool memberName)
    {
        var offset = json.AsSpan().StartsWith(Encoding.UTF8.Preamble) ? Encoding.UTF8.Preamble.Length : 0;
        var reader = new Utf8JsonReader(json.AsSpan(offset), new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        // One entry per open object or array: the path to it, and for an array the index of its next item.
        var open = new Stack<(string Path, int NextIndex)>();
        string? pendingMember = null;
        try
        {
            while (reader.Read())
            {
                var start = (int)reader.TokenStartIndex;
                if (reader.TokenType == JsonTokenType.PropertyName)
                {
                    var name = reader.GetString()!;
                    pendingMember = Member(open.Peek().Path, name);
                    if (memberName && pendingMember == path)
                    {
                        return Position(json.AsSpan(offset), start);
                    }

                    continue;
                }

                if (reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray)
                {
                    open.Pop();
                    continue;
                }

                // A value: an object or array, or a single one.
                string valuePath;
                if (pendingMember is not null)
                {
                    valuePath = pendingMember;
                    pendingMember = null;
                }
                else if (open.Count > 0)
                {
                    var (parent, index) = open.Pop();
                    open.Push((parent, index + 1));
                    valuePath = $"{parent}[{index}]";
                }
                else
                {
                    valuePath = "$";
                }

                if (!memberName && valuePath == path)
                {
                    return Position(json.AsSpan(offset), start);
                }

                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    open.Push((valuePath, 0));
                }
            }
        }
        catch (JsonException)
        {
            // A document that does not parse has no position to give beyond the reader's own.
        }

        return null;
    }

    // System.Text.Json writes a member as .name, or ['name'] when the name would not read as one.
    private static string Member(string parent, string name) =>
        name.Length > 0 && name.All(c => char.IsLetterOrDigit(c) || c is '_' or '-' or '$')
            ? $"{parent}.{name}"
            : $"{parent}['{name}']";

    private static (int Line, int Column) Position(ReadOnlySpan<byte> json, int index)
    {
        var lineStart = json[..index].LastIndexOf((byte)'\n') + 1;
        var line = 1 + json[..lineStart].Count((byte)'\n');
        // Columns count characters, as an editor does, not bytes.
        return (line, Encoding.UTF8.GetCharCount(json[lineStart..index]) + 1);
    }
}
