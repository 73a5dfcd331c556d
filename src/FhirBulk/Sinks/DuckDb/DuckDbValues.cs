using System.Collections;
using System.Globalization;
using DuckDB.NET.Data;

namespace FhirBulk.Sinks.DuckDb;

/// <summary>Appends view values to DuckDB appender rows, converting to the column's storage.</summary>
/// <remarks>
/// Views usually return the CLR type matching the column's FHIR type, but a view with an
/// undeclared type may return, say, a number for a text column; values are converted rather than
/// rejected, and a value that cannot be converted fails naming its column.
/// </remarks>
internal static class DuckDbValues
{
    public static void Append(IDuckDBAppenderRow row, DuckDbColumnKind kind, bool isCollection, object? value)
    {
        if (value is null)
        {
            row.AppendNullValue();
            return;
        }

        if (isCollection)
        {
            AppendList(row, kind, value as IEnumerable ?? new[] { value });
            return;
        }

        switch (kind)
        {
            case DuckDbColumnKind.Boolean:
                row.AppendValue(ToBoolean(value));
                break;
            case DuckDbColumnKind.Integer:
                row.AppendValue(Convert.ToInt32(value, CultureInfo.InvariantCulture));
                break;
            case DuckDbColumnKind.BigInt:
                row.AppendValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case DuckDbColumnKind.Double:
                row.AppendValue(Convert.ToDouble(value, CultureInfo.InvariantCulture));
                break;
            case DuckDbColumnKind.TimestampTz:
                row.AppendValue(ToInstant(value));
                break;
            case DuckDbColumnKind.Time:
                row.AppendValue(ToTime(value));
                break;
            default:
                row.AppendValue(SinkValues.ToCell(value));
                break;
        }
    }

    private static void AppendList(IDuckDBAppenderRow row, DuckDbColumnKind kind, IEnumerable items)
    {
        IEnumerable<object?> values = items.Cast<object?>();
        switch (kind)
        {
            case DuckDbColumnKind.Boolean:
                row.AppendValue(values.Select(v => v is null ? (bool?)null : ToBoolean(v)).ToList());
                break;
            case DuckDbColumnKind.Integer:
                row.AppendValue(values.Select(v => v is null ? (int?)null : Convert.ToInt32(v, CultureInfo.InvariantCulture)).ToList());
                break;
            case DuckDbColumnKind.BigInt:
                row.AppendValue(values.Select(v => v is null ? (long?)null : Convert.ToInt64(v, CultureInfo.InvariantCulture)).ToList());
                break;
            case DuckDbColumnKind.Double:
                row.AppendValue(values.Select(v => v is null ? (double?)null : Convert.ToDouble(v, CultureInfo.InvariantCulture)).ToList());
                break;
            case DuckDbColumnKind.TimestampTz:
                row.AppendValue(values.Select(v => v is null ? (DateTimeOffset?)null : ToInstant(v)).ToList());
                break;
            case DuckDbColumnKind.Time:
                row.AppendValue(values.Select(v => v is null ? (TimeOnly?)null : ToTime(v)).ToList());
                break;
            default:
                row.AppendValue(values.Select(SinkValues.ToCell).ToList());
                break;
        }
    }

    private static bool ToBoolean(object value) =>
        value is string s ? bool.Parse(s) : Convert.ToBoolean(value, CultureInfo.InvariantCulture);

    private static DateTimeOffset ToInstant(object value) => value switch
    {
        DateTimeOffset dto => dto,
        DateTime dt => new DateTimeOffset(dt),
        _ => DateTimeOffset.Parse(SinkValues.ToText(value), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
    };

    private static TimeOnly ToTime(object value) => value switch
    {
        TimeOnly t => t,
        TimeSpan ts => TimeOnly.FromTimeSpan(ts),
        _ => TimeOnly.Parse(SinkValues.ToText(value), CultureInfo.InvariantCulture),
    };
}
