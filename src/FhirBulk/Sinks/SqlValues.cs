using System.Collections;
using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;
using FhirBulk.Views;

namespace FhirBulk.Sinks;

/// <summary>
/// The one place a view value becomes a value of its column's <see cref="SqlType"/>, or is found not to fit it. A value
/// fits only when the type holds it unchanged: <c>2012-03</c> is no DATE, <c>1.255</c> no DECIMAL(5,2), a dateTime without
/// a zone no TIMESTAMP WITH TIME ZONE, a time with nanoseconds no TIME (which holds microseconds).
/// </summary>
/// <remarks>
/// The stored CLR values: CHARACTER VARYING a <see cref="string"/> (the FHIR string form), BOOLEAN a <see cref="bool"/>,
/// INT an <see cref="int"/>, BIGINT a <see cref="long"/>, DECIMAL a <see cref="decimal"/>, DOUBLE a <see cref="double"/>,
/// DATE a <see cref="DateOnly"/>, TIME a <see cref="TimeOnly"/>, TIMESTAMP a <see cref="DateTime"/> (UTC wall clock, kind
/// unspecified), TIMESTAMP WITH TIME ZONE a <see cref="DateTimeOffset"/>, BINARY a <see cref="byte"/> array. A dateTime
/// with a zone stored as a TIMESTAMP is the same instant in UTC; DOUBLE is approximate by definition, so a number
/// becomes the nearest double (asking for DOUBLE asks for that).
/// </remarks>
internal static partial class SqlValues
{
    /// <summary>Converts one scalar value (not null) to <paramref name="type"/>.</summary>
    /// <param name="type">The column's type.</param>
    /// <param name="value">A view value: a string, bool, int, long, decimal, or a value this class produced.</param>
    /// <param name="converted">The value to store, when it fits.</param>
    /// <param name="misfit">Why it does not fit (e.g. <c>'2012-03' is a partial date; DATE needs year, month and day</c>), when it does not.</param>
    /// <returns>Whether the value fits.</returns>
    public static bool TryConvert(SqlType type, object value, out object converted, out string? misfit)
    {
        misfit = type.Kind switch
        {
            SqlTypeKind.CharacterVarying => Fits(SinkValues.ToText(value), out converted),
            SqlTypeKind.Boolean => ToBoolean(value, out converted),
            SqlTypeKind.Integer => ToInteger(value, int.MinValue, int.MaxValue, out converted),
            SqlTypeKind.BigInt => ToInteger(value, long.MinValue, long.MaxValue, out converted),
            SqlTypeKind.Decimal => ToDecimal(value, type.Precision, type.Scale, out converted),
            SqlTypeKind.Double => ToDouble(value, out converted),
            SqlTypeKind.Date => ToDate(value, out converted),
            SqlTypeKind.Time => ToTime(value, out converted),
            SqlTypeKind.Timestamp => ToTimestamp(value, zoneRequired: false, out converted),
            SqlTypeKind.TimestampWithTimeZone => ToTimestamp(value, zoneRequired: true, out converted),
            SqlTypeKind.Binary => ToBinary(value, out converted),
            _ => throw new InvalidOperationException($"Unknown SQL type kind {type.Kind}."),
        };
        return misfit is null;
    }

    /// <summary>
    /// Converts a cell of <paramref name="column"/>: a scalar, or for a collection every item, a list of converted items.
    /// A value (or item) that does not fit becomes null, and <paramref name="misfit"/> says why (the first, for a list).
    /// </summary>
    public static object? Convert(ViewColumn column, object? value, out string? misfit)
    {
        misfit = null;
        if (value is null)
        {
            return null;
        }

        if (!column.IsCollection || value is string || value is not IEnumerable items)
        {
            return TryConvert(column.SqlType, value, out object converted, out misfit) ? converted : null;
        }

        var list = new List<object?>();
        foreach (object? item in items)
        {
            if (item is null)
            {
                list.Add(null);
            }
            else if (TryConvert(column.SqlType, item, out object converted, out string? itemMisfit))
            {
                list.Add(converted);
            }
            else
            {
                misfit ??= itemMisfit;
                list.Add(null);
            }
        }

        return list;
    }

    /// <summary>As <see cref="Convert(ViewColumn, object?, out string?)"/>, for a sink given values directly: a value that does not fit is an error.</summary>
    /// <exception cref="TableSinkException">The value does not fit the column's type; the message names the table, column and value.</exception>
    public static object? ConvertForSink(ViewSchema schema, int index, object? value)
    {
        ViewColumn column = schema.Columns[index];
        object? converted = Convert(column, value, out string? misfit);
        return misfit is null
            ? converted
            : throw new TableSinkException($"Table '{schema.Name}', column '{column.Name}' ({column.SqlType}): cannot store {misfit}.");
    }

    private static string? Fits(object value, out object converted)
    {
        converted = value;
        return null;
    }

    private static string Quoted(object value) => $"'{SinkValues.ToText(value)}'";

    private static string? ToBoolean(object value, out object converted)
    {
        converted = value;
        return value switch
        {
            bool => null,
            "true" => Fits(true, out converted),
            "false" => Fits(false, out converted),
            _ => $"{Quoted(value)}: BOOLEAN holds true or false",
        };
    }

    private static string? ToInteger(object value, long min, long max, out object converted)
    {
        converted = value;
        BigInteger? whole = value switch
        {
            int i => i,
            long l => l,
            decimal d when d == decimal.Truncate(d) => new BigInteger(d),
            string s when BigInteger.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out BigInteger b) => b,
            _ => null,
        };
        string name = max == int.MaxValue ? "INT" : "BIGINT";
        if (whole is not { } number)
        {
            return $"{Quoted(value)}: {name} holds whole numbers";
        }

        if (number < min || number > max)
        {
            return $"{Quoted(value)}: beyond the range of {name} ({min} to {max})";
        }

        converted = max == int.MaxValue ? (int)number : (object)(long)number;
        return null;
    }

    private static string? ToDecimal(object value, int precision, int scale, out object converted)
    {
        converted = value;
        decimal? number = value switch
        {
            decimal d => d,
            int i => i,
            long l => l,
            // decimal.TryParse rounds beyond the 28-29 digits a decimal carries without a word: the digits are compared back.
            string s when NumberText().IsMatch(s)
                && decimal.TryParse(s, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal parsed)
                && Digits(parsed.ToString(CultureInfo.InvariantCulture)) == Digits(s) => parsed,
            _ => null,
        };
        string name = $"DECIMAL({precision},{scale})";
        if (number is not { } n)
        {
            return value is string s && NumberText().IsMatch(s)
                ? $"{Quoted(value)}: more digits than the 28 or 29 a .NET decimal carries on its way to {name}"
                : $"{Quoted(value)}: {name} holds numbers";
        }

        // A decimal has at most 28 digits after the point, so rounding at 28 keeps every one.
        decimal rounded = decimal.Round(n, Math.Min(scale, 28));
        if (rounded != n)
        {
            return $"{Quoted(value)}: more than {scale} digit(s) after the point, which {name} would round away";
        }

        decimal integerPart = decimal.Truncate(decimal.Abs(n));
        int integerDigits = integerPart == 0 ? 0 : integerPart.ToString(CultureInfo.InvariantCulture).Length;
        if (integerDigits > precision - scale)
        {
            return $"{Quoted(value)}: more than {precision - scale} digit(s) before the point, which {name} cannot hold";
        }

        converted = rounded;
        return null;
    }

    // A number's sign and significant digits, with the point where it is: 007.50 and 7.5 are both "7.5".
    private static string Digits(string number)
    {
        string sign = number.StartsWith('-') ? "-" : "";
        string unsigned = number.TrimStart('+', '-');
        int point = unsigned.IndexOf('.', StringComparison.Ordinal);
        string whole = (point < 0 ? unsigned : unsigned[..point]).TrimStart('0');
        string fraction = point < 0 ? "" : unsigned[(point + 1)..].TrimEnd('0');
        return $"{sign}{whole}.{fraction}";
    }

    private static string? ToDouble(object value, out object converted)
    {
        converted = value;
        double? number = value switch
        {
            double d => d,
            int i => i,
            long l => l,
            decimal d => (double)d,
            string s when NumberText().IsMatch(s) => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture),
            _ => null,
        };
        if (number is not { } n || !double.IsFinite(n))
        {
            return $"{Quoted(value)}: DOUBLE holds finite numbers";
        }

        converted = n;
        return null;
    }

    private static string? ToDate(object value, out object converted)
    {
        converted = value;
        if (value is DateOnly)
        {
            return null;
        }

        string text = SinkValues.ToText(value);
        if (text.Length == 10 && DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out DateOnly date))
        {
            converted = date;
            return null;
        }

        return PartialDate().IsMatch(text) ? $"{Quoted(value)}: a partial date; DATE needs year, month and day"
            : text.Length > 10 && DateOnly.TryParseExact(text[..10], "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
                ? $"{Quoted(value)}: has a time of day, which DATE would drop"
            : $"{Quoted(value)}: not a date (YYYY-MM-DD)";
    }

    private static string? ToTime(object value, out object converted)
    {
        converted = value;
        if (value is TimeOnly)
        {
            return null;
        }

        Match match = TimeText().Match(SinkValues.ToText(value));
        if (!match.Success)
        {
            return $"{Quoted(value)}: not a time of day (hh:mm:ss)";
        }

        if (match.Groups["fraction"].Length > 7)
        {
            return $"{Quoted(value)}: finer than the microseconds TIME holds";
        }

        var time = TimeOnly.ParseExact(match.Value, ["HH:mm:ss", "HH:mm:ss.FFFFFFF"], CultureInfo.InvariantCulture);
        if (time.Ticks % TimeSpan.TicksPerMicrosecond != 0)
        {
            return $"{Quoted(value)}: finer than the microseconds TIME holds";
        }

        converted = time;
        return null;
    }

    private static string? ToTimestamp(object value, bool zoneRequired, out object converted)
    {
        converted = value;
        string name = zoneRequired ? "TIMESTAMP WITH TIME ZONE" : "TIMESTAMP";
        DateTimeOffset instant;
        bool hasZone;
        switch (value)
        {
            case DateTimeOffset dto:
                (instant, hasZone) = (dto, true);
                break;
            case DateTime dt:
                (instant, hasZone) = (new DateTimeOffset(DateTime.SpecifyKind(dt, DateTimeKind.Utc)), dt.Kind == DateTimeKind.Utc);
                break;
            default:
                string text = SinkValues.ToText(value);
                Match match = DateTimeText().Match(text);
                if (!match.Success)
                {
                    return PartialDate().IsMatch(text) || text.Length == 10
                        ? $"{Quoted(value)}: has no time of day; {name} needs one to the second"
                        : $"{Quoted(value)}: not a dateTime to the second (YYYY-MM-DDThh:mm:ss)";
                }

                if (match.Groups["fraction"].Length > 7)
                {
                    return $"{Quoted(value)}: finer than the microseconds {name} holds";
                }

                hasZone = match.Groups["zone"].Success;
                instant = DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
                break;
        }

        if (zoneRequired && !hasZone)
        {
            // FHIR requires a zone on any dateTime with a time (R4 datatypes §2.24.0.1); one without names no instant,
            // and assuming UTC (or the machine's zone) would move it by hours without a word. TIMESTAMP takes it as written.
            return $"{Quoted(value)}: has no time zone, so it names no instant; tag the column TIMESTAMP to take it as written";
        }

        if (instant.Ticks % TimeSpan.TicksPerMicrosecond != 0)
        {
            return $"{Quoted(value)}: finer than the microseconds {name} holds";
        }

        converted = zoneRequired ? instant : (object)DateTime.SpecifyKind(instant.UtcDateTime, DateTimeKind.Unspecified);
        return null;
    }

    private static string? ToBinary(object value, out object converted)
    {
        converted = value;
        if (value is byte[])
        {
            return null;
        }

        string text = SinkValues.ToText(value);
        byte[] buffer = new byte[text.Length * 3 / 4 + 3];
        if (!System.Convert.TryFromBase64String(text, buffer, out int written))
        {
            return $"{Quoted(value)}: not base64, which BINARY is read from";
        }

        converted = buffer[..written];
        return null;
    }

    [GeneratedRegex(@"^[+-]?(\d+\.?\d*|\.\d+)$")]
    private static partial Regex NumberText();

    [GeneratedRegex(@"^\d{4}(-\d{2})?$")]
    private static partial Regex PartialDate();

    [GeneratedRegex(@"^\d{2}:\d{2}:\d{2}(\.(?<fraction>\d+))?$")]
    private static partial Regex TimeText();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.(?<fraction>\d+))?(?<zone>Z|[+-]\d{2}:\d{2})?$")]
    private static partial Regex DateTimeText();
}
