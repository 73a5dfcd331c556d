using System.Globalization;

namespace FhirBulk.Views.FhirPath;

/// <summary>
/// FHIRPath (N1, §5.7 "lowBoundary / highBoundary") boundaries of values given with limited
/// precision: the smallest and largest value the written value could stand for. Firely 6.8 does
/// not implement them; SQL-on-FHIR's fn_boundary tests use them on decimals, dates, dateTimes
/// and times.
/// </summary>
internal static class Boundaries
{
    private const string LowestOffset = "+14:00";
    private const string HighestOffset = "-12:00";

    /// <summary>
    /// <c>lowBoundary([precision])</c> / <c>highBoundary([precision])</c> of a number (an integer's boundary is a
    /// decimal), or <see langword="null"/> when the precision is out of range.
    /// </summary>
    public static decimal? Of(decimal value, bool high, int? precision) =>
        precision is { } p ? Decimal(value, high, p) : Decimal(value, high);

    /// <summary>
    /// <c>lowBoundary([precision])</c> / <c>highBoundary([precision])</c> of a date, dateTime or time
    /// (<paramref name="kind"/>) in FHIR text form, or <see langword="null"/> when there is none.
    /// </summary>
    public static string? Of(string value, string kind, bool high, int? precision)
    {
        var boundary = kind switch
        {
            "date" => Date(value, high),
            "dateTime" => DateTime(value, high),
            "time" => Time(value, high),
            _ => null,
        };
        return boundary is null || precision is null ? boundary : Truncate(boundary, kind, precision.Value);
    }

    /// <summary>The boundary of a decimal: half a unit of its last written digit away.</summary>
    public static decimal Decimal(decimal value, bool high)
    {
        var scale = value.Scale;
        var halfUnit = 5m / Pow10(scale + 1);
        return high ? value + halfUnit : value - halfUnit;
    }

    /// <summary>
    /// The boundary of a decimal given to <paramref name="precision"/> decimal places: rounded
    /// down (low) or up (high), padded with zeros (<c>1.587.lowBoundary(8)</c> is
    /// <c>1.58650000</c>, <c>1.587.lowBoundary(2)</c> is <c>1.58</c>).
    /// </summary>
    public static decimal? Decimal(decimal value, bool high, int precision)
    {
        if (precision is < 0 or > 28)
        {
            return null;
        }

        var boundary = Math.Round(Decimal(value, high), precision, high ? MidpointRounding.ToPositiveInfinity : MidpointRounding.ToNegativeInfinity);
        return boundary + new decimal(0, 0, 0, false, (byte)precision);
    }

    /// <summary>
    /// Cuts a date, dateTime or time boundary (as returned by <see cref="Date"/>,
    /// <see cref="DateTime"/> and <see cref="Time"/>) to <paramref name="precision"/> digits:
    /// 4, 6 or 8 for a date; those or 10, 12, 14, 17 for a dateTime; 2, 4, 6 or 9 for a time.
    /// </summary>
    public static string? Truncate(string boundary, string kind, int precision)
    {
        var length = (kind, precision) switch
        {
            ("date" or "dateTime", 4) => 4,
            ("date" or "dateTime", 6) => 7,
            ("date" or "dateTime", 8) => 10,
            ("dateTime", 10) => 13,
            ("dateTime", 12) => 16,
            ("dateTime", 14) => 19,
            ("dateTime", 17) => 23,
            ("time", 2) => 2,
            ("time", 4) => 5,
            ("time", 6) => 8,
            ("time", 9) => 12,
            _ => -1,
        };
        if (length < 0 || length > boundary.Length)
        {
            return null;
        }

        // A dateTime cut within its time keeps its offset, which is part of the boundary.
        var offset = kind == "dateTime" && length > 10 ? boundary[23..] : "";
        return boundary[..length] + offset;
    }

    /// <summary>The boundary of a partial date (<c>YYYY</c>, <c>YYYY-MM</c> or <c>YYYY-MM-DD</c>).</summary>
    public static string? Date(string value, bool high)
    {
        var parts = value.Split('-');
        if (!int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var year))
        {
            return null;
        }

        var month = parts.Length > 1 ? int.Parse(parts[1], CultureInfo.InvariantCulture) : (high ? 12 : 1);
        var day = parts.Length > 2
            ? int.Parse(parts[2], CultureInfo.InvariantCulture)
            : (high ? System.DateTime.DaysInMonth(year, month) : 1);
        return string.Create(CultureInfo.InvariantCulture, $"{year:0000}-{month:00}-{day:00}");
    }

    /// <summary>
    /// The boundary of a dateTime: missing parts filled with their lowest (highest) value, and a
    /// missing offset taken as the earliest (+14:00) or latest (-12:00) one, as FHIRPath requires.
    /// </summary>
    public static string? DateTime(string value, bool high)
    {
        var t = value.IndexOf('T', StringComparison.Ordinal);
        var datePart = t < 0 ? value : value[..t];
        var date = Date(datePart, high);
        if (date is null)
        {
            return null;
        }

        var rest = t < 0 ? "" : value[(t + 1)..];
        var offset = "";
        var zone = rest.IndexOfAny(['Z', '+', '-']);
        if (zone >= 0)
        {
            offset = rest[zone..];
            rest = rest[..zone];
        }
        else if (t < 0 || rest.Length > 0)
        {
            offset = high ? HighestOffset : LowestOffset;
        }

        var time = Time(rest.Length == 0 ? (high ? "23" : "00") : rest, high);
        return time is null ? null : $"{date}T{time}{offset}";
    }

    /// <summary>The boundary of a time (<c>hh</c>, <c>hh:mm</c>, <c>hh:mm:ss</c> or with fractions).</summary>
    public static string? Time(string value, bool high)
    {
        var parts = value.Split(':');
        var hour = parts[0];
        var minute = parts.Length > 1 ? parts[1] : (high ? "59" : "00");
        var second = parts.Length > 2 ? parts[2] : (high ? "59" : "00");
        var dot = second.IndexOf('.', StringComparison.Ordinal);
        var fraction = dot >= 0 ? second[(dot + 1)..] : "";
        var whole = dot >= 0 ? second[..dot] : second;
        if (hour.Length != 2 || minute.Length != 2 || whole.Length != 2)
        {
            return null;
        }

        fraction = fraction.Length >= 3 ? fraction : fraction.PadRight(3, high ? '9' : '0');
        return $"{hour}:{minute}:{whole}.{fraction}";
    }

    private static decimal Pow10(int exponent)
    {
        var result = 1m;
        for (var i = 0; i < exponent; i++)
        {
            result *= 10m;
        }

        return result;
    }
}
