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
    // The ticks (100 ns) of each of a fraction's first seven digits.
    private static readonly long[] TicksAt = [1_000_000, 100_000, 10_000, 1_000, 100, 10, 1];

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
                && SignificantDigits(parsed.ToString(CultureInfo.InvariantCulture)) == SignificantDigits(s) => parsed,
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
    private static string SignificantDigits(string number)
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

        if (!TimeOnly.TryParseExact(match.Value, ["HH:mm:ss", "HH:mm:ss.FFFFFFF"], CultureInfo.InvariantCulture, DateTimeStyles.None, out TimeOnly time))
        {
            return $"{Quoted(value)}: not a time of day (hh:mm:ss)";
        }

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
                if (!TryParseDateTime(text, out instant, out hasZone, out bool finerThanTicks))
                {
                    return PartialDate().IsMatch(text) || text.Length == 10
                        ? $"{Quoted(value)}: has no time of day; {name} needs one to the second"
                        : $"{Quoted(value)}: not a dateTime to the second (YYYY-MM-DDThh:mm:ss)";
                }

                if (finerThanTicks)
                {
                    return $"{Quoted(value)}: finer than the microseconds {name} holds";
                }

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

    /// <summary>
    /// Reads FHIR's dateTime to the second, <c>YYYY-MM-DDThh:mm:ss[.f…][Z|(+|-)hh:mm]</c>, by hand: every dateTime column of
    /// the workshop views goes through here once per value, and a regular expression and a general parser cost several
    /// times as much.
    /// </summary>
    /// <param name="s">The text.</param>
    /// <param name="instant">The instant; a dateTime without a zone is read as UTC (its written time).</param>
    /// <param name="hasZone">Whether the text gives a zone.</param>
    /// <param name="finerThanTicks">Whether a fraction digit past the seventh (100 ns) is not zero.</param>
    /// <returns>Whether the text is such a dateTime, with a valid date, time and zone.</returns>
    private static bool TryParseDateTime(ReadOnlySpan<char> s, out DateTimeOffset instant, out bool hasZone, out bool finerThanTicks)
    {
        instant = default;
        hasZone = false;
        finerThanTicks = false;
        if (s.Length < 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':'
            || !Digits(s[..4], out int year) || !Digits(s.Slice(5, 2), out int month) || !Digits(s.Slice(8, 2), out int day)
            || !Digits(s.Slice(11, 2), out int hour) || !Digits(s.Slice(14, 2), out int minute) || !Digits(s.Slice(17, 2), out int second)
            || year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        long ticks = 0;
        int at = 19;
        if (at < s.Length && s[at] == '.')
        {
            int start = ++at;
            for (; at < s.Length && char.IsAsciiDigit(s[at]); at++)
            {
                int place = at - start;
                ticks += place < 7 ? (s[at] - '0') * TicksAt[place] : 0;
                finerThanTicks |= place >= 7 && s[at] != '0';
            }

            if (at == start)
            {
                return false;
            }
        }

        TimeSpan offset = TimeSpan.Zero;
        ReadOnlySpan<char> zone = s[at..];
        if (zone.Length > 0)
        {
            hasZone = true;
            if (zone is not "Z")
            {
                if (zone.Length != 6 || zone[0] is not ('+' or '-') || zone[3] != ':' || !Digits(zone.Slice(1, 2), out int zoneHours)
                    || !Digits(zone.Slice(4, 2), out int zoneMinutes) || zoneHours > 14 || zoneMinutes > 59)
                {
                    return false;
                }

                offset = new TimeSpan(zoneHours, zoneMinutes, 0) * (zone[0] == '-' ? -1 : 1);
            }
        }

        DateTime local = new DateTime(year, month, day, hour, minute, second).AddTicks(ticks);
        long utcTicks = local.Ticks - offset.Ticks;
        if (utcTicks < DateTime.MinValue.Ticks || utcTicks > DateTime.MaxValue.Ticks)
        {
            return false;
        }

        instant = new DateTimeOffset(local, offset);
        return true;
    }

    // ASCII digits only, as int.TryParse with NumberStyles.None reads them; by hand, as it runs seven times per dateTime
    // value and the general parser's culture lookup cost more than the digits.
    private static bool Digits(ReadOnlySpan<char> text, out int value)
    {
        value = 0;
        foreach (char c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return !text.IsEmpty;
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
}
