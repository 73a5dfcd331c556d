using FhirBulk.Views;

namespace FhirBulk.Sinks.DuckDb;

/// <summary>DuckDB's names for a column's <see cref="SqlType"/>, and the SQL that creates a view's table.</summary>
/// <remarks>A collection column is a LIST (<c>T[]</c>) of its item type.</remarks>
internal static class DuckDbTypeMap
{
    public static string SqlType(ViewColumn column)
    {
        SqlType type = column.SqlType;
        string item = type.Kind switch
        {
            SqlTypeKind.Boolean => "BOOLEAN",
            SqlTypeKind.Integer => "INTEGER",
            SqlTypeKind.BigInt => "BIGINT",
            SqlTypeKind.Decimal => $"DECIMAL({type.Precision},{type.Scale})",
            SqlTypeKind.Double => "DOUBLE",
            SqlTypeKind.Date => "DATE",
            SqlTypeKind.Time => "TIME",
            SqlTypeKind.Timestamp => "TIMESTAMP",
            SqlTypeKind.TimestampWithTimeZone => "TIMESTAMPTZ",
            SqlTypeKind.Binary => "BLOB",
            _ => "VARCHAR",
        };
        return column.IsCollection ? item + "[]" : item;
    }

    public static string CreateTableSql(ViewSchema schema) =>
        $"CREATE OR REPLACE TABLE {Quote(schema.Name)} ({string.Join(", ", schema.Columns.Select(c => $"{Quote(c.Name)} {SqlType(c)}"))})";

    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    public static string Literal(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
}
