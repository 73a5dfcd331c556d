using System.Text;
using System.Text.Json;

namespace FhirBulk.Views.FhirPath;

/// <summary>
/// Copies only the top-level properties a view reads out of a resource's JSON, so the Firely
/// deserializer (the dominant cost) skips the rest: narratives, attachments and elements no path
/// touches. The bytes of each kept property are copied verbatim, so what is kept deserializes
/// exactly as before.
/// </summary>
internal sealed class TopLevelProjection
{
    private static readonly byte[][] AlwaysKept = [Encoding.UTF8.GetBytes("resourceType"), Encoding.UTF8.GetBytes("id")];

    private readonly byte[][] _elements;

    /// <param name="elements">FHIR element names; a choice element (<c>deceased</c>) keeps all its typed keys.</param>
    public TopLevelProjection(IEnumerable<string> elements)
    {
        _elements = [.. AlwaysKept, .. elements.Select(Encoding.UTF8.GetBytes)];
    }

    /// <summary>
    /// Writes the projected object into <paramref name="output"/> (at least
    /// <c>json.Length + 2</c> bytes) and returns its length, or -1 when the input is not a JSON
    /// object (the caller then deserializes the original, which reports the error).
    /// </summary>
    public int Project(ReadOnlySpan<byte> json, Span<byte> output)
    {
        var reader = new Utf8JsonReader(json);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return -1;
            }

            output[0] = (byte)'{';
            var length = 1;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var start = (int)reader.TokenStartIndex;
                var keep = reader.ValueIsEscaped || Wanted(reader.ValueSpan);
                reader.Read();
                reader.Skip();
                if (!keep)
                {
                    continue;
                }

                if (length > 1)
                {
                    output[length++] = (byte)',';
                }

                var property = json[start..(int)reader.BytesConsumed];
                property.CopyTo(output[length..]);
                length += property.Length;
            }

            output[length++] = (byte)'}';
            return length;
        }
        catch (JsonException)
        {
            return -1;
        }
    }

    // A key is wanted when it is a kept element, one of its choice forms (deceased → deceasedBoolean),
    // or the primitive-extension twin of either (_birthDate).
    private bool Wanted(ReadOnlySpan<byte> key)
    {
        if (key.Length > 1 && key[0] == (byte)'_')
        {
            key = key[1..];
        }

        foreach (var element in _elements)
        {
            if (key.StartsWith(element) && (key.Length == element.Length || IsAsciiUpper(key[element.Length])))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsAsciiUpper(byte b) => b is >= (byte)'A' and <= (byte)'Z';
}
