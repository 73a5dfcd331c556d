using System.Buffers;
using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FhirBulk.Sinks;

/// <summary>Renders view values as text and JSON the same way in every text-based sink.</summary>
internal static class SinkValues
{
    /// <summary>
    /// A scalar as culture-invariant text (<c>true</c>, <c>1.50</c>, the string itself); the values of typed columns
    /// (<see cref="SqlValues"/>) in ISO 8601 and base64, the FHIR string forms.
    /// </summary>
    public static string ToText(object value) => value switch
    {
        string s => s,
        bool b => b ? "true" : "false",
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        TimeOnly t => t.ToString("HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
        DateTime dt => dt.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture),
        DateTimeOffset dto => dto.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture),
        byte[] bytes => Convert.ToBase64String(bytes),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    /// <summary>Writes a value, a collection becoming a JSON array.</summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="value">The value.</param>
    /// <param name="asText">
    /// Writes scalars as JSON strings in their text form: the values of a CHARACTER VARYING column, so that a decimal keeps
    /// its exact digits for any JSON reader.
    /// </param>
    public static void WriteJson(Utf8JsonWriter writer, object? value, bool asText = false)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case string s:
                writer.WriteStringValue(s);
                break;
            case byte[] bytes:
                writer.WriteBase64StringValue(bytes);
                break;
            case IEnumerable items:
                writer.WriteStartArray();
                foreach (object? item in items)
                {
                    WriteJson(writer, item, asText);
                }

                writer.WriteEndArray();
                break;
            case bool b when !asText:
                writer.WriteBooleanValue(b);
                break;
            case int i when !asText:
                writer.WriteNumberValue(i);
                break;
            case long l when !asText:
                writer.WriteNumberValue(l);
                break;
            case decimal d when !asText:
                writer.WriteNumberValue(d);
                break;
            case double d when !asText:
                writer.WriteNumberValue(d);
                break;
            default:
                writer.WriteStringValue(ToText(value));
                break;
        }
    }

    /// <summary>A collection as compact JSON array text, the one unambiguous flat rendering.</summary>
    public static string ToJsonText(IEnumerable items)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteJson(writer, items);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Text for a cell of a flat format: a scalar as text, a collection as a JSON array.</summary>
    public static string? ToCell(object? value) => value switch
    {
        null => null,
        string s => s,
        byte[] bytes => Convert.ToBase64String(bytes),
        IEnumerable items => ToJsonText(items),
        _ => ToText(value),
    };
}
