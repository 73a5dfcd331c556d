using System.Buffers;
using System.Text.Json;

namespace FhirBulk.Server.Export;

/// <summary>
/// <c>_elements</c>: keeps <c>resourceType</c>, <c>id</c>, <c>meta</c> and the listed root elements, and tags
/// the result SUBSETTED (FHIR R4 search §3.1.1.5.9). Values are copied as raw JSON, never parsed into a DOM.
/// </summary>
internal sealed class ElementsProjection(IReadOnlySet<string> keep)
{
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);

    public ReadOnlySpan<byte> Project(ReadOnlySpan<byte> line)
    {
        _buffer.ResetWrittenCount();
        using var writer = new Utf8JsonWriter(_buffer, WriterOptions);
        var reader = new Utf8JsonReader(line);
        reader.Read();
        writer.WriteStartObject();
        var wroteMeta = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            var value = line[start..(int)reader.BytesConsumed];
            if (name == "meta")
            {
                WriteTaggedMeta(writer, value);
                wroteMeta = true;
            }
            else if (name is "resourceType" or "id" || keep.Contains(name))
            {
                writer.WritePropertyName(name);
                writer.WriteRawValue(value, skipInputValidation: true);
            }
        }

        if (!wroteMeta)
        {
            WriteTaggedMeta(writer, "{}"u8);
        }

        writer.WriteEndObject();
        writer.Flush();
        return _buffer.WrittenSpan;
    }

    private static void WriteTaggedMeta(Utf8JsonWriter writer, ReadOnlySpan<byte> meta)
    {
        writer.WriteStartObject("meta"u8);
        var reader = new Utf8JsonReader(meta);
        reader.Read();
        ReadOnlySpan<byte> tags = default;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isTag = reader.ValueTextEquals("tag"u8);
            var name = reader.GetString()!;
            reader.Read();
            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            var value = meta[start..(int)reader.BytesConsumed];
            if (isTag)
            {
                tags = value;
            }
            else
            {
                writer.WritePropertyName(name);
                writer.WriteRawValue(value, skipInputValidation: true);
            }
        }

        writer.WriteStartArray("tag"u8);
        if (tags.Length > 2)
        {
            // Keep existing tags: copy the array's items without its brackets.
            var items = new Utf8JsonReader(tags);
            items.Read();
            while (items.Read() && items.TokenType != JsonTokenType.EndArray)
            {
                var start = (int)items.TokenStartIndex;
                items.Skip();
                writer.WriteRawValue(tags[start..(int)items.BytesConsumed], skipInputValidation: true);
            }
        }

        writer.WriteStartObject();
        writer.WriteString("system"u8, "http://terminology.hl7.org/CodeSystem/v3-ObservationValue");
        writer.WriteString("code"u8, "SUBSETTED");
        writer.WriteString("display"u8, "subsetted");
        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
