using FhirBulk.Views.FhirPath;

namespace FhirBulk.Tests.Views.FhirPath;

public class BoundariesTests
{
    [Theory]
    [InlineData("1.0", false, "0.95")]
    [InlineData("1.0", true, "1.05")]
    [InlineData("1.587", false, "1.5865")]
    [InlineData("-1.0", false, "-1.05")]
    [InlineData("12", true, "12.5")]
    public void Decimal_KnownValues(string value, bool high, string expected) =>
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture),
            Boundaries.Decimal(decimal.Parse(value, System.Globalization.CultureInfo.InvariantCulture), high));

    [Theory]
    [InlineData("1970-06", false, "1970-06-01")]
    [InlineData("1970-06", true, "1970-06-30")]
    [InlineData("2024-02", true, "2024-02-29")]
    [InlineData("1970", true, "1970-12-31")]
    [InlineData("1970-06-02", true, "1970-06-02")]
    public void Date_KnownValues(string value, bool high, string expected) => Assert.Equal(expected, Boundaries.Date(value, high));

    [Theory]
    [InlineData("2010-10-10", false, "2010-10-10T00:00:00.000+14:00")]
    [InlineData("2010-10-10", true, "2010-10-10T23:59:59.999-12:00")]
    [InlineData("2010-10-10T10:30Z", true, "2010-10-10T10:30:59.999Z")]
    [InlineData("2010-10-10T10:30:05.1+02:00", false, "2010-10-10T10:30:05.100+02:00")]
    public void DateTime_KnownValues(string value, bool high, string expected) => Assert.Equal(expected, Boundaries.DateTime(value, high));

    [Theory]
    [InlineData("12:34", false, "12:34:00.000")]
    [InlineData("12:34:00", true, "12:34:00.999")]
    public void Time_KnownValues(string value, bool high, string expected) => Assert.Equal(expected, Boundaries.Time(value, high));
}
