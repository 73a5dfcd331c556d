using System.Text.Json;
using FhirBulk.Sinks;
using FhirBulk.Views;
using Spectre.Console;

namespace FhirBulk.Cli.Rendering;

/// <summary>Prints the tables views make (<c>view --schema</c>): a table per view, JSON, or DuckDB or Spark SQL DDL.</summary>
internal static class ViewSchemaRenderer
{
    /// <summary>The values <c>--schema</c> accepts; the first is the default.</summary>
    public static readonly string[] Formats = ["table", "json", "duckdb", "spark"];

    public static void Write(IAnsiConsole console, IReadOnlyList<ICompiledView> views, string format)
    {
        switch (format)
        {
            case "json":
                JsonOutput.WriteRaw(console, Json(views));
                break;
            case "duckdb":
                JsonOutput.WriteRaw(console, string.Join("\n\n", views.Select(v => TableSchemas.ToDuckDbDdl(v.Schema))));
                break;
            case "spark":
                JsonOutput.WriteRaw(console, string.Join("\n\n", views.Select(v => TableSchemas.ToSparkDdl(v.Schema))));
                break;
            default:
                WriteTables(console, views);
                break;
        }
    }

    // {"views": [...]}, as view --explain --json: one document however many views.
    private static string Json(IReadOnlyList<ICompiledView> views)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("views");
            foreach (var view in views)
            {
                TableSchemas.WriteJson(writer, view.Schema);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteTables(IAnsiConsole console, IReadOnlyList<ICompiledView> views)
    {
        for (var i = 0; i < views.Count; i++)
        {
            var schema = views[i].Schema;
            if (i > 0)
            {
                console.WriteLine();
            }

            console.MarkupLineInterpolated($"[bold]{schema.Name}[/] ({schema.Resource})");
            var table = new Table().Border(TableBorder.Rounded).AddColumn("Column").AddColumn("Type").AddColumn("FHIR type");
            foreach (var column in schema.Columns)
            {
                var type = column.IsCollection ? $"LIST of {column.SqlType}" : column.SqlType.ToString();
                table.AddRow(Markup.Escape(column.Name), Markup.Escape(type), Markup.Escape(column.FhirType ?? "?"));
            }

            console.Write(table);
        }
    }
}
