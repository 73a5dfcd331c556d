using FhirBulk.Sinks;
using FhirBulk.Views;

namespace FhirBulk.Tests.Sinks;

public class SqlValuesTests
{
    private static (bool Fits, object Converted, string? Misfit) Convert(string type, object value) =>
        SqlValues.TryConvert(SqlType.Parse(type), value, out object converted, out string? misfit) ? (true, converted, misfit) : (false, converted, misfit);

    [Theory]
    [InlineData("DATE", "2012-03", "'2012-03': a partial date; DATE needs year, month and day")]
    [InlineData("DATE", "2012", "'2012': a partial date")]
    [InlineData("DATE", "2012-03-04T10:00:00Z", "'2012-03-04T10:00:00Z': has a time of day, which DATE would drop")]
    [InlineData("DATE", "2012-02-30", "'2012-02-30': not a date")]
    [InlineData("INT", "12a", "'12a': INT holds whole numbers")]
    [InlineData("INT", "3000000000", "'3000000000': beyond the range of INT")]
    [InlineData("BIGINT", "1.5", "'1.5': BIGINT holds whole numbers")]
    [InlineData("BOOLEAN", "yes", "'yes': BOOLEAN holds true or false")]
    [InlineData("DECIMAL(5,2)", "1.255", "'1.255': more than 2 digit(s) after the point, which DECIMAL(5,2) would round away")]
    [InlineData("DECIMAL(5,2)", "1234.5", "'1234.5': more than 3 digit(s) before the point, which DECIMAL(5,2) cannot hold")]
    [InlineData("DECIMAL(38,9)", "ten", "'ten': DECIMAL(38,9) holds numbers")]
    [InlineData("DOUBLE", "NaN", "'NaN': DOUBLE holds finite numbers")]
    [InlineData("TIME", "10:00", "'10:00': not a time of day")]
    [InlineData("TIME", "10:00:00.1234567", "'10:00:00.1234567': finer than the microseconds TIME holds")]
    [InlineData("TIMESTAMP", "2012-03-04", "'2012-03-04': has no time of day; TIMESTAMP needs one to the second")]
    [InlineData("TIMESTAMP WITH TIME ZONE", "2012-03-04T10:00:00", "'2012-03-04T10:00:00': has no time zone, so it names no instant")]
    [InlineData("TIMESTAMP WITH TIME ZONE", "2012-03", "'2012-03': has no time of day")]
    [InlineData("TIMESTAMP WITH TIME ZONE", "2012-03-04T10:00:00.1234567Z", "'2012-03-04T10:00:00.1234567Z': finer than the microseconds TIMESTAMP WITH TIME ZONE holds")]
    [InlineData("TIMESTAMP WITH TIME ZONE", "2012-13-04T10:00:00Z", "'2012-13-04T10:00:00Z': not a dateTime")]
    [InlineData("TIMESTAMP WITH TIME ZONE", "2012-02-30T10:00:00Z", "'2012-02-30T10:00:00Z': not a dateTime")]
    [InlineData("TIMESTAMP WITH TIME ZONE", "2012-03-04T10:00:00+25:00", "'2012-03-04T10:00:00+25:00': not a dateTime")]
    [InlineData("TIMESTAMP WITH TIME ZONE", "2012-03-04T10:00:00.Z", "'2012-03-04T10:00:00.Z': not a dateTime")]
    [InlineData("TIMESTAMP", "2012-03-04T24:00:00", "'2012-03-04T24:00:00': not a dateTime")]
    [InlineData("TIMESTAMP", "2012-03-04T1a:00:00", "'2012-03-04T1a:00:00': not a dateTime")]
    [InlineData("TIMESTAMP", "2012-03-04T+1:00:00", "'2012-03-04T+1:00:00': not a dateTime")]
    [InlineData("TIMESTAMP", "٢٠١٢-03-04T10:00:00", "'٢٠١٢-03-04T10:00:00': not a dateTime")]
    [InlineData("TIMESTAMP WITH TIME ZONE", "2012-03-04T10:00:00+0x:00", "'2012-03-04T10:00:00+0x:00': not a dateTime")]
    [InlineData("TIME", "25:00:00", "'25:00:00': not a time of day")]
    [InlineData("TIMESTAMP WITH TIME ZONE", "0001-01-01T00:00:00+01:00", "'0001-01-01T00:00:00+01:00': not a dateTime")]
    [InlineData("BINARY", "not base64!", "'not base64!': not base64")]
    public void TryConvert_ValueTheTypeCannotHoldUnchanged_MisfitSayingWhy(string type, string value, string expected)
    {
        var (fits, _, misfit) = Convert(type, value);

        Assert.False(fits);
        Assert.StartsWith(expected, misfit, StringComparison.Ordinal);
    }

    [Fact]
    public void TryConvert_DecimalWithMoreDigitsThanDotNetCarries_MisfitNotRounded()
    {
        var (fits, _, misfit) = Convert("DECIMAL(38,30)", "0.123456789012345678901234567890");

        Assert.False(fits);
        Assert.Contains("more digits than the 28 or 29 a .NET decimal carries", misfit, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("DECIMAL(38,9)", "12345678901234567890.123456789", "12345678901234567890.123456789")]
    [InlineData("DECIMAL(5,2)", "1.250", "1.25")]
    [InlineData("DECIMAL(5,2)", "-999.99", "-999.99")]
    [InlineData("INT", "-12", "-12")]
    [InlineData("BIGINT", "5000000000", "5000000000")]
    [InlineData("BOOLEAN", "true", "true")]
    [InlineData("DOUBLE", "1.5", "1.5")]
    [InlineData("DATE", "2012-03-04", "2012-03-04")]
    [InlineData("TIME", "10:11:12.123456", "10:11:12.123456")]
    [InlineData("TIMESTAMP", "2012-03-04T10:11:12", "2012-03-04T10:11:12")]
    [InlineData("TIMESTAMP", "2012-03-04T10:11:12+02:00", "2012-03-04T08:11:12")]
    [InlineData("TIMESTAMP WITH TIME ZONE", "2012-03-04T10:11:12.5+02:00", "2012-03-04T10:11:12.5+02:00")]
    [InlineData("TIMESTAMP WITH TIME ZONE", "2012-03-04T10:11:12.123456000-05:30", "2012-03-04T10:11:12.123456-05:30")]
    [InlineData("TIMESTAMP WITH TIME ZONE", "0001-01-01T00:00:00Z", "0001-01-01T00:00:00+00:00")]
    [InlineData("BINARY", "AQID", "AQID")]
    [InlineData("CHARACTER VARYING", "2012-03", "2012-03")]
    public void TryConvert_ValueThatFits_SameValueInTheTypesClrForm(string type, string value, string expectedText)
    {
        var (fits, converted, misfit) = Convert(type, value);

        Assert.True(fits, misfit);
        Assert.Equal(expectedText, SinkValues.ToText(converted));
    }

    [Fact]
    public void TryConvert_DecimalDefaultsToText_EveryDigitKept()
    {
        var (_, trailingZero, _) = Convert("CHARACTER VARYING", 1.250m);
        var (_, long20, _) = Convert("CHARACTER VARYING", decimal.Parse("12345678901234567890.123456789", System.Globalization.CultureInfo.InvariantCulture));

        Assert.Equal("1.250", trailingZero);
        Assert.Equal("12345678901234567890.123456789", long20);
    }

    [Fact]
    public void Convert_CollectionWithOneMisfitItem_OnlyThatItemNull()
    {
        var column = new ViewColumn("d", "date", true, SqlType.Parse("DATE"));

        object? converted = SqlValues.Convert(column, (IReadOnlyList<object?>)["2012-03-04", "2012-03"], out string? misfit);

        Assert.Equal([new DateOnly(2012, 3, 4), null], Assert.IsType<List<object?>>(converted));
        Assert.StartsWith("'2012-03'", misfit, StringComparison.Ordinal);
    }
}
