using System.Globalization;
using System.Text.Json;

namespace FhirBulk.Server.Data.Generation;

/// <summary>The few FHIR datatype shapes the generator writes, straight to a <see cref="Utf8JsonWriter"/>.</summary>
internal static class FhirJsonWriterExtensions
{
    public static void WriteMeta(this Utf8JsonWriter json, DateTimeOffset lastUpdated)
    {
        json.WriteStartObject("meta"u8);
        json.WriteInstant("lastUpdated"u8, lastUpdated);
        json.WriteEndObject();
    }

    public static void WriteCodeableConcept(this Utf8JsonWriter json, ReadOnlySpan<byte> name, Code code)
    {
        json.WriteStartObject(name);
        json.WriteCodingArray(code);
        json.WriteString("text"u8, code.Display);
        json.WriteEndObject();
    }

    public static void WriteCodeableConceptArray(this Utf8JsonWriter json, ReadOnlySpan<byte> name, Code code)
    {
        json.WriteStartArray(name);
        json.WriteStartObject();
        json.WriteCodingArray(code);
        json.WriteString("text"u8, code.Display);
        json.WriteEndObject();
        json.WriteEndArray();
    }

    /// <summary>A CodeableConcept array with a single coding and no text, as FHIR's terminology categories are written.</summary>
    public static void WriteCategory(this Utf8JsonWriter json, string system, string code, string display)
    {
        json.WriteStartArray("category"u8);
        json.WriteStartObject();
        json.WriteCodingArray(new Code(system, code, display));
        json.WriteEndObject();
        json.WriteEndArray();
    }

    public static void WriteStatusConcept(this Utf8JsonWriter json, ReadOnlySpan<byte> name, string system, string code)
    {
        json.WriteStartObject(name);
        json.WriteStartArray("coding"u8);
        json.WriteStartObject();
        json.WriteString("system"u8, system);
        json.WriteString("code"u8, code);
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteCodingArray(this Utf8JsonWriter json, Code code)
    {
        json.WriteStartArray("coding"u8);
        json.WriteStartObject();
        json.WriteString("system"u8, code.System);
        json.WriteString("code"u8, code.Value);
        json.WriteString("display"u8, code.Display);
        json.WriteEndObject();
        json.WriteEndArray();
    }

    public static void WriteReference(this Utf8JsonWriter json, ReadOnlySpan<byte> name, string type, string id, string? display = null)
    {
        json.WriteStartObject(name);
        json.WriteReferenceValue(type, id);
        if (display is not null)
        {
            json.WriteString("display"u8, display);
        }

        json.WriteEndObject();
    }

    public static void WriteQuantity(this Utf8JsonWriter json, ReadOnlySpan<byte> name, double value, string unit)
    {
        json.WriteStartObject(name);
        json.WriteNumber("value"u8, value);
        json.WriteString("unit"u8, unit);
        json.WriteString("system"u8, Terminology.Ucum);
        json.WriteString("code"u8, unit);
        json.WriteEndObject();
    }

    public static void WritePeriod(this Utf8JsonWriter json, DateTimeOffset start, DateTimeOffset end)
    {
        json.WriteStartObject("period"u8);
        json.WriteDateTime("start"u8, start);
        json.WriteDateTime("end"u8, end);
        json.WriteEndObject();
    }

    /// <summary>Writes <c>"reference": "Type/id"</c> without allocating the joined string (the generator's hottest path).</summary>
    public static void WriteReferenceValue(this Utf8JsonWriter json, string type, string id)
    {
        Span<char> buffer = stackalloc char[type.Length + 1 + id.Length];
        type.CopyTo(buffer);
        buffer[type.Length] = '/';
        id.CopyTo(buffer[(type.Length + 1)..]);
        json.WriteString("reference"u8, buffer);
    }

    /// <summary>A FHIR dateTime to the second, in UTC: <c>2024-03-01T10:00:00Z</c>.</summary>
    public static void WriteDateTime(this Utf8JsonWriter json, ReadOnlySpan<byte> name, DateTimeOffset value)
    {
        Span<byte> buffer = stackalloc byte[20];
        value.UtcDateTime.TryFormat(buffer, out var written, "s", CultureInfo.InvariantCulture);
        buffer[written] = (byte)'Z';
        json.WriteString(name, buffer[..(written + 1)]);
    }

    /// <summary>A FHIR instant with milliseconds, in UTC: <c>2024-03-01T10:00:00.000Z</c>.</summary>
    public static void WriteInstant(this Utf8JsonWriter json, ReadOnlySpan<byte> name, DateTimeOffset value)
    {
        Span<byte> buffer = stackalloc byte[24];
        var utc = value.UtcDateTime;
        utc.TryFormat(buffer, out var written, "s", CultureInfo.InvariantCulture);
        buffer[written++] = (byte)'.';
        var milliseconds = utc.Millisecond;
        buffer[written++] = (byte)('0' + (milliseconds / 100));
        buffer[written++] = (byte)('0' + (milliseconds / 10 % 10));
        buffer[written++] = (byte)('0' + (milliseconds % 10));
        buffer[written++] = (byte)'Z';
        json.WriteString(name, buffer[..written]);
    }

    /// <summary>The text <see cref="WriteDateTime"/> writes.</summary>
    public static string FormatDateTime(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>The text <see cref="WriteInstant"/> writes.</summary>
    public static string FormatInstant(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static string FormatDate(DateTimeOffset value) =>
        value.ToUniversalTime().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
