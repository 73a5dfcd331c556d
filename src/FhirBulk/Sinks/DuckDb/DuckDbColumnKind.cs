using FhirBulk.Views;

namespace FhirBulk.Sinks.DuckDb;

/// <summary>The DuckDB storage chosen for a FHIR column type.</summary>
internal enum DuckDbColumnKind
{
    Varchar,
    Boolean,
    Integer,
    BigInt,
    Double,
    TimestampTz,
    Time,
}

/// <summary>
/// The SQL-on-FHIR type map, adapted to what FHIR values can really hold.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>date</c> and <c>dateTime</c> stay <c>VARCHAR</c>: FHIR allows partial values
/// (<c>2012</c>, <c>2012-03</c>) that a DATE or TIMESTAMP would reject or silently widen to a
/// day. ISO text at one precision sorts and compares correctly, and <c>TRY_CAST(x AS DATE)</c>
/// gives a typed value where the data is complete.</item>
/// <item><c>instant</c> is always complete to the second with a zone, so it is a
/// <c>TIMESTAMPTZ</c>; <c>time</c> is always complete, so it is a <c>TIME</c>.</item>
/// <item><c>decimal</c> is <c>DOUBLE</c>: FHIR decimals have no fixed precision or scale, so any
/// <c>DECIMAL(p,s)</c> would fail on some legal value; a double keeps 15 significant digits,
/// more than any clinical quantity carries. The text sinks keep the exact digits.</item>
/// <item>A collection column is a LIST of its item type.</item>
/// </list>
/// </remarks>
internal static class DuckDbTypeMap
{
    public static DuckDbColumnKind KindOf(ViewColumn column) => column.FhirType switch
    {
        "boolean" => DuckDbColumnKind.Boolean,
        "integer" or "positiveInt" or "unsignedInt" => DuckDbColumnKind.Integer,
        "integer64" => DuckDbColumnKind.BigInt,
        "decimal" => DuckDbColumnKind.Double,
        "instant" => DuckDbColumnKind.TimestampTz,
        "time" => DuckDbColumnKind.Time,
        _ => DuckDbColumnKind.Varchar,
    };

    public static string SqlType(ViewColumn column)
    {
        string item = KindOf(column) switch
        {
            DuckDbColumnKind.Boolean => "BOOLEAN",
            DuckDbColumnKind.Integer => "INTEGER",
            DuckDbColumnKind.BigInt => "BIGINT",
            DuckDbColumnKind.Double => "DOUBLE",
            DuckDbColumnKind.TimestampTz => "TIMESTAMPTZ",
            DuckDbColumnKind.Time => "TIME",
            _ => "VARCHAR",
        };
        return column.IsCollection ? item + "[]" : item;
    }

    public static string CreateTableSql(ViewSchema schema) =>
        $"CREATE OR REPLACE TABLE {Quote(schema.Name)} ({string.Join(", ", schema.Columns.Select(c => $"{Quote(c.Name)} {SqlType(c)}"))})";

    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    public static string Literal(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
}
