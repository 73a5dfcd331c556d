using System.Text;
using System.Text.Json;

namespace FhirBulk.Views.Definition;

/// <summary>
/// Writes a <see cref="ViewDefinition"/> as SQL-on-FHIR v2 JSON, so that views built in code
/// (workshop columns, the flatten table) can be saved, shared and run by any implementation.
/// </summary>
public static class ViewDefinitionWriter
{
    /// <summary>The view as indented JSON text.</summary>
    public static string ToJson(ViewDefinition view)
    {
        ArgumentNullException.ThrowIfNull(view);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            Write(writer, view);
        }

        return Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
    }

    /// <summary>Writes the view as a JSON object.</summary>
    public static void Write(Utf8JsonWriter writer, ViewDefinition view)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(view);
        writer.WriteStartObject();
        writer.WriteString("resourceType", "ViewDefinition");
        if (view.Name is not null)
        {
            writer.WriteString("name", view.Name);
        }

        writer.WriteString("status", "active");
        writer.WriteString("resource", view.Resource);
        if (view.Constants.Count > 0)
        {
            writer.WriteStartArray("constant");
            foreach (var constant in view.Constants)
            {
                WriteConstant(writer, constant);
            }

            writer.WriteEndArray();
        }

        writer.WriteStartArray("select");
        foreach (var select in view.Select)
        {
            WriteSelect(writer, select);
        }

        writer.WriteEndArray();
        if (view.Where.Count > 0)
        {
            writer.WriteStartArray("where");
            foreach (var where in view.Where)
            {
                writer.WriteStartObject();
                writer.WriteString("path", where.Path);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    private static void WriteConstant(Utf8JsonWriter writer, ViewConstant constant)
    {
        writer.WriteStartObject();
        writer.WriteString("name", constant.Name);
        var property = "value" + char.ToUpperInvariant(constant.FhirType[0]) + constant.FhirType[1..];
        switch (constant.Value)
        {
            case bool b:
                writer.WriteBoolean(property, b);
                break;
            case int i:
                writer.WriteNumber(property, i);
                break;
            case decimal d:
                writer.WriteNumber(property, d);
                break;
            case long l:
                // integer64 is a string in FHIR JSON: JavaScript numbers cannot hold it.
                writer.WriteString(property, l.ToString(System.Globalization.CultureInfo.InvariantCulture));
                break;
            default:
                writer.WriteString(property, Convert.ToString(constant.Value, System.Globalization.CultureInfo.InvariantCulture));
                break;
        }

        writer.WriteEndObject();
    }

    private static void WriteSelect(Utf8JsonWriter writer, SelectClause select)
    {
        writer.WriteStartObject();
        if (select.ForEach is not null)
        {
            writer.WriteString("forEach", select.ForEach);
        }

        if (select.ForEachOrNull is not null)
        {
            writer.WriteString("forEachOrNull", select.ForEachOrNull);
        }

        if (select.Repeat is not null)
        {
            writer.WriteStartArray("repeat");
            foreach (var path in select.Repeat)
            {
                writer.WriteStringValue(path);
            }

            writer.WriteEndArray();
        }

        if (select.Columns.Count > 0)
        {
            writer.WriteStartArray("column");
            foreach (var column in select.Columns)
            {
                writer.WriteStartObject();
                writer.WriteString("name", column.Name);
                writer.WriteString("path", column.Path);
                if (column.Type is not null)
                {
                    writer.WriteString("type", column.Type);
                }

                if (column.Collection)
                {
                    writer.WriteBoolean("collection", true);
                }

                if (column.AnsiType is not null)
                {
                    writer.WriteStartArray("tag");
                    writer.WriteStartObject();
                    writer.WriteString("name", SqlType.TagName);
                    writer.WriteString("value", column.AnsiType.ToString());
                    writer.WriteEndObject();
                    writer.WriteEndArray();
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        WriteSelects(writer, "select", select.Select);
        WriteSelects(writer, "unionAll", select.UnionAll);
        writer.WriteEndObject();
    }

    private static void WriteSelects(Utf8JsonWriter writer, string property, IReadOnlyList<SelectClause> selects)
    {
        if (selects.Count == 0)
        {
            return;
        }

        writer.WriteStartArray(property);
        foreach (var select in selects)
        {
            WriteSelect(writer, select);
        }

        writer.WriteEndArray();
    }
}
