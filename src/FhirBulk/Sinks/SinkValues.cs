using System.Buffers;
using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FhirBulk.Sinks;

/// <summary>Renders view values as text and JSON the same way in every text-based sink.</summary>
internal static class SinkValues
{
    /// <summary>A scalar as culture-invariant text (<c>true</c>, <c>1.50</c>, the string itself).</summary>
    public static string ToText(object value) => value switch
    {
        string s => s,
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    /// <summary>Writes a value, a collection becoming a JSON array.</summary>
    public static void WriteJson(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case string s:
                writer.WriteStringValue(s);
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case int i:
                writer.WriteNumberValue(i);
                break;
            case long l:
                writer.WriteNumberValue(l);
                break;
            case decimal d:
                writer.WriteNumberValue(d);
                break;
            case double d:
                writer.WriteNumberValue(d);
                break;
            case IEnumerable items:
                writer.WriteStartArray();
                foreach (object? item in items)
                {
                    WriteJson(writer, item);
                }

                writer.WriteEndArray();
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
        IEnumerable items => ToJsonText(items),
        _ => ToText(value),
    };
}
