using DuckDB.NET.Data;
using FhirBulk.Views;

namespace FhirBulk.Sinks.DuckDb;

/// <summary>Turns view values into what DuckDB's appender stores in a column of their <see cref="SqlType"/>, then appends them.</summary>
/// <remarks>
/// Values are converted by <see cref="SqlValues"/>, which every sink shares; a value that does not fit is an error here
/// (<see cref="Tables.FhirTables"/> has replaced such values by null, and reported them, before they reach a sink). A whole
/// row is converted before any value is appended, so a value that cannot be stored fails with the appender still clean.
/// </remarks>
internal static class DuckDbValues
{
    /// <summary>The value of column <paramref name="index"/> as the CLR type the appender stores: a scalar, or a typed list.</summary>
    /// <exception cref="TableSinkException">The value does not fit the column's type.</exception>
    public static object? Convert(ViewSchema schema, int index, object? value)
    {
        object? converted = SqlValues.ConvertForSink(schema, index, value);
        if (converted is not List<object?> items)
        {
            return converted;
        }

        return schema.Columns[index].SqlType.Kind switch
        {
            SqlTypeKind.Boolean => items.Select(v => (bool?)v).ToList(),
            SqlTypeKind.Integer => items.Select(v => (int?)v).ToList(),
            SqlTypeKind.BigInt => items.Select(v => (long?)v).ToList(),
            SqlTypeKind.Decimal => items.Select(v => (decimal?)v).ToList(),
            SqlTypeKind.Double => items.Select(v => (double?)v).ToList(),
            SqlTypeKind.Date => items.Select(v => (DateOnly?)v).ToList(),
            SqlTypeKind.Time => items.Select(v => (TimeOnly?)v).ToList(),
            SqlTypeKind.Timestamp => items.Select(v => (DateTime?)v).ToList(),
            SqlTypeKind.TimestampWithTimeZone => items.Select(v => (DateTimeOffset?)v).ToList(),
            SqlTypeKind.Binary => items.Select(v => (byte[]?)v).ToList(),
            _ => (object)items.Select(v => (string?)v).ToList(),
        };
    }

    /// <summary>Appends a value produced by <see cref="Convert"/>.</summary>
    public static void Append(IDuckDBAppenderRow row, object? converted)
    {
        _ = converted switch
        {
            null => row.AppendNullValue(),
            string s => row.AppendValue(s),
            bool b => row.AppendValue(b),
            int i => row.AppendValue(i),
            long l => row.AppendValue(l),
            decimal d => row.AppendValue(d),
            double d => row.AppendValue(d),
            DateOnly d => row.AppendValue((DateOnly?)d),
            TimeOnly t => row.AppendValue((TimeOnly?)t),
            DateTime dt => row.AppendValue(dt),
            DateTimeOffset dto => row.AppendValue(dto),
            byte[] bytes => row.AppendValue(bytes),
            List<string?> list => row.AppendValue(list),
            List<bool?> list => row.AppendValue(list),
            List<int?> list => row.AppendValue(list),
            List<long?> list => row.AppendValue(list),
            List<decimal?> list => row.AppendValue(list),
            List<double?> list => row.AppendValue(list),
            List<DateOnly?> list => row.AppendValue(list),
            List<TimeOnly?> list => row.AppendValue(list),
            List<DateTime?> list => row.AppendValue(list),
            List<DateTimeOffset?> list => row.AppendValue(list),
            List<byte[]?> list => row.AppendValue(list),
            _ => throw new InvalidOperationException($"Unexpected converted value of type {converted.GetType()}."),
        };
    }
}
