using System.Text;
using System.Text.Json;

namespace FhirBulk.Ndjson;

/// <summary>
/// Checks that one NDJSON line is a whole JSON object with a <c>resourceType</c>, and reads its
/// <c>resourceType</c> and <c>id</c> on the way, in one forward pass with no DOM.
/// </summary>
/// <remarks>
/// Resource type names repeat on every line, so they are interned here: a file of a million
/// Observations allocates the string "Observation" once.
/// </remarks>
internal sealed class ResourceLineParser
{
    private static readonly byte[] ResourceTypeName = "resourceType"u8.ToArray();
    private static readonly byte[] IdName = "id"u8.ToArray();

    private readonly List<(byte[] Utf8, string Name)> _typeNames = [];

    /// <summary>Parses <paramref name="json"/>; on failure returns why in <paramref name="error"/>.</summary>
    public bool TryParse(ReadOnlySpan<byte> json, out string resourceType, out string? id, out string? error)
    {
        resourceType = string.Empty;
        id = null;
        string? type = null;
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = $"not a JSON object (starts with {Describe(reader.TokenType)})";
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isType = reader.ValueTextEquals(ResourceTypeName);
                bool isId = !isType && reader.ValueTextEquals(IdName);
                reader.Read();
                if (isType || isId)
                {
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        error = $"\"{(isType ? "resourceType" : "id")}\" is {Describe(reader.TokenType)}, not a string";
                        return false;
                    }

                    if (isType)
                    {
                        type = Intern(ref reader);
                    }
                    else
                    {
                        id = reader.GetString();
                    }
                }
                else
                {
                    reader.Skip();
                }
            }

            // The reader allows one root value: reading past it ends, or throws on trailing content.
            reader.Read();
        }
        catch (JsonException ex)
        {
            error = $"not valid JSON: {ex.Message}";
            return false;
        }

        if (string.IsNullOrEmpty(type))
        {
            error = "no \"resourceType\"";
            return false;
        }

        resourceType = type;
        error = null;
        return true;
    }

    private string Intern(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            ReadOnlySpan<byte> utf8 = reader.ValueSpan;
            foreach (var (bytes, name) in _typeNames)
            {
                if (utf8.SequenceEqual(bytes))
                {
                    return name;
                }
            }
        }

        string value = reader.GetString()!;
        // A mixed file holds a few dozen types; a bound keeps a hostile input from growing this.
        if (_typeNames.Count < 256)
        {
            _typeNames.Add((Encoding.UTF8.GetBytes(value), value));
        }

        return value;
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
