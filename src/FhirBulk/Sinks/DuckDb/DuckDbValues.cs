using System.Collections;
using System.Globalization;
using DuckDB.NET.Data;

namespace FhirBulk.Sinks.DuckDb;

/// <summary>Converts view values to a column's DuckDB storage, then appends them.</summary>
/// <remarks>
/// Views usually return the CLR type matching the column's FHIR type, but a view with an
/// undeclared type may return, say, a number for a text column; values are converted rather than
/// rejected. A whole row is converted before any value is appended, so a value that cannot be
/// stored fails with the appender still clean and the run can skip that row.
/// </remarks>
internal static class DuckDbValues
{
    /// <summary>The value as the CLR type the appender stores in a column of <paramref name="kind"/>.</summary>
    /// <exception cref="FormatException">A text value does not parse as the column's type.</exception>
    /// <exception cref="InvalidCastException">The value cannot become the column's type.</exception>
    /// <exception cref="OverflowException">A number does not fit the column's type.</exception>
    public static object? Convert(DuckDbColumnKind kind, bool isCollection, object? value)
    {
        if (value is null)
        {
            return null;
        }

        if (!isCollection)
        {
            return Scalar(kind, value);
        }

        IEnumerable<object?> items = (value as IEnumerable ?? new[] { value }).Cast<object?>();
        return kind switch
        {
            DuckDbColumnKind.Boolean => items.Select(v => (bool?)Scalar(kind, v)).ToList(),
            DuckDbColumnKind.Integer => items.Select(v => (int?)Scalar(kind, v)).ToList(),
            DuckDbColumnKind.BigInt => items.Select(v => (long?)Scalar(kind, v)).ToList(),
            DuckDbColumnKind.Double => items.Select(v => (double?)Scalar(kind, v)).ToList(),
            DuckDbColumnKind.TimestampTz => items.Select(v => (DateTimeOffset?)Scalar(kind, v)).ToList(),
            DuckDbColumnKind.Time => items.Select(v => (TimeOnly?)Scalar(kind, v)).ToList(),
            _ => (object)items.Select(v => (string?)Scalar(kind, v)).ToList(),
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
            double d => row.AppendValue(d),
            DateTimeOffset dto => row.AppendValue(dto),
            TimeOnly t => row.AppendValue(t),
            List<string?> list => row.AppendValue(list),
            List<bool?> list => row.AppendValue(list),
            List<int?> list => row.AppendValue(list),
            List<long?> list => row.AppendValue(list),
            List<double?> list => row.AppendValue(list),
            List<DateTimeOffset?> list => row.AppendValue(list),
            List<TimeOnly?> list => row.AppendValue(list),
            _ => throw new InvalidOperationException($"Unexpected converted value of type {converted.GetType()}."),
        };
    }

    private static object? Scalar(DuckDbColumnKind kind, object? value)
    {
        CultureInfo invariant = CultureInfo.InvariantCulture;
        return value is null ? null : kind switch
        {
            DuckDbColumnKind.Boolean => value is string s ? bool.Parse(s) : System.Convert.ToBoolean(value, invariant),
            DuckDbColumnKind.Integer => System.Convert.ToInt32(value, invariant),
            DuckDbColumnKind.BigInt => System.Convert.ToInt64(value, invariant),
            DuckDbColumnKind.Double => System.Convert.ToDouble(value, invariant),
            DuckDbColumnKind.TimestampTz => ToInstant(value),
            DuckDbColumnKind.Time => ToTime(value),
            _ => SinkValues.ToCell(value),
        };
    }

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
