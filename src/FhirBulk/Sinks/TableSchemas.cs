using System.Text;
using System.Text.Json;
using FhirBulk.Sinks.DuckDb;
using FhirBulk.Views;

namespace FhirBulk.Sinks;

/// <summary>
/// The typed schema of a view's table, written out: as JSON (what a Parquet lake's <c>_schema.json</c> holds), and as the
/// <c>CREATE TABLE</c> statements of DuckDB and Spark SQL. It follows from the ViewDefinition alone, so it is the same
/// for every run and every shard, a run that sees no rows included.
/// </summary>
public static class TableSchemas
{
    /// <summary>What the schema file beside a CSV or NDJSON table adds to the table's name: <c>patients.schema.json</c>.</summary>
    public const string FileExtension = ".schema.json";

    /// <summary>Writes <paramref name="schema"/> as a JSON object.</summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="schema">The view's schema.</param>
    /// <remarks>
    /// The shape: <c>{"name": "patients", "resource": "Patient", "columns": [{"name": "birth_date", "type": "DATE",
    /// "fhirType": "date", "collection": false, "nullable": true}]}</c>. <c>type</c> is the ANSI type of the column, of each
    /// item for a collection (a LIST of it); <c>fhirType</c> is null when unknown; every column is nullable, since a path
    /// can give nothing and a value that does not fit its type is written as null.
    /// </remarks>
    public static void WriteJson(Utf8JsonWriter writer, ViewSchema schema)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(schema);
        writer.WriteStartObject();
        writer.WriteString("name", schema.Name);
        writer.WriteString("resource", schema.Resource);
        writer.WriteStartArray("columns");
        foreach (ViewColumn column in schema.Columns)
        {
            writer.WriteStartObject();
            writer.WriteString("name", column.Name);
            writer.WriteString("type", column.SqlType.ToString());
            writer.WriteString("fhirType", column.FhirType);
            writer.WriteBoolean("collection", column.IsCollection);
            writer.WriteBoolean("nullable", true);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>The JSON of <see cref="WriteJson"/>, indented.</summary>
    /// <param name="schema">The view's schema.</param>
    /// <returns>The JSON text.</returns>
    public static string ToJson(ViewSchema schema)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            WriteJson(writer, schema);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>The DuckDB <c>CREATE TABLE</c> statement of the table <see cref="DuckDbSink"/> writes.</summary>
    /// <param name="schema">The view's schema.</param>
    /// <returns>One statement, ending in <c>;</c>.</returns>
    public static string ToDuckDbDdl(ViewSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        return CreateTable(DuckDbTypeMap.Quote(schema.Name), schema.Columns.Select(c => $"{DuckDbTypeMap.Quote(c.Name)} {DuckDbTypeMap.SqlType(c)}"), "");
    }

    /// <summary>
    /// The Spark SQL <c>CREATE TABLE … USING parquet</c> statement over the Parquet files <see cref="Parquet.ParquetSink"/>
    /// writes. TIMESTAMP is Spark's <c>TIMESTAMP_NTZ</c> (Spark 3.4 or later) and TIMESTAMP WITH TIME ZONE its
    /// <c>TIMESTAMP</c>; Spark has no TIME type, so a TIME column is declared <c>STRING</c> with a comment saying so,
    /// and Spark cannot read such a Parquet column: keep TIME columns out of tables meant for Spark.
    /// </summary>
    /// <param name="schema">The view's schema.</param>
    /// <returns>One statement, ending in <c>;</c>.</returns>
    public static string ToSparkDdl(ViewSchema schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        return CreateTable(SparkQuote(schema.Name), schema.Columns.Select(c => $"{SparkQuote(c.Name)} {SparkType(c)}"), " USING parquet");
    }

    private static string CreateTable(string name, IEnumerable<string> columns, string suffix) =>
        $"CREATE TABLE {name} (\n  {string.Join(",\n  ", columns)}\n){suffix};";

    private static string SparkQuote(string identifier) => "`" + identifier.Replace("`", "``", StringComparison.Ordinal) + "`";

    private static string SparkType(ViewColumn column)
    {
        SqlType type = column.SqlType;
        string item = type.Kind switch
        {
            SqlTypeKind.Boolean => "BOOLEAN",
            SqlTypeKind.Integer => "INT",
            SqlTypeKind.BigInt => "BIGINT",
            SqlTypeKind.Decimal => $"DECIMAL({type.Precision},{type.Scale})",
            SqlTypeKind.Double => "DOUBLE",
            SqlTypeKind.Date => "DATE",
            SqlTypeKind.Time => "STRING",
            SqlTypeKind.Timestamp => "TIMESTAMP_NTZ",
            SqlTypeKind.TimestampWithTimeZone => "TIMESTAMP",
            SqlTypeKind.Binary => "BINARY",
            _ => "STRING",
        };
        string declared = column.IsCollection ? $"ARRAY<{item}>" : item;
        return type.Kind == SqlTypeKind.Time ? declared + " COMMENT 'TIME: Spark has no TIME type'" : declared;
    }
}
