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

public class BoundaryPrecisionTests
{
    [Theory]
    [InlineData("1.587", false, 8, "1.58650000")]
    [InlineData("1.587", true, 8, "1.58750000")]
    [InlineData("1.587", false, 2, "1.58")]
    [InlineData("1.587", true, 2, "1.59")]
    [InlineData("-1.587", false, 2, "-1.59")]
    public void Decimal_WithPrecision(string value, bool high, int precision, string expected) =>
        Assert.Equal(expected, Boundaries.Decimal(decimal.Parse(value, System.Globalization.CultureInfo.InvariantCulture), high, precision)!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));

    [Theory]
    [InlineData("2010-10-10T00:00:00.000+14:00", "dateTime", 4, "2010")]
    [InlineData("2010-10-10T00:00:00.000+14:00", "dateTime", 12, "2010-10-10T00:00+14:00")]
    [InlineData("1970-06-30", "date", 6, "1970-06")]
    [InlineData("12:34:00.999", "time", 4, "12:34")]
    [InlineData("12:34:00.999", "time", 5, null)]
    public void Truncate_KnownPrecisions(string boundary, string kind, int precision, string? expected) =>
        Assert.Equal(expected, Boundaries.Truncate(boundary, kind, precision));

    [Fact]
    public void Evaluate_BoundaryWithPrecisionInAView_UsesIt()
    {
        var view = FhirBulk.Views.ViewDefinitionCompiler.Compile("""
            {"resource":"Observation","select":[{"column":[
              {"name":"low","path":"value.ofType(Quantity).value.lowBoundary(2)"},
              {"name":"year","path":"effective.ofType(dateTime).highBoundary(4)"}]}]}
            """);
        var line = Resources.Line("""{"resourceType":"Observation","status":"final","code":{"text":"c"},"valueQuantity":{"value":1.587},"effectiveDateTime":"2010-10-10"}""");

        var row = Assert.Single(view.Evaluate(line));

        Assert.Equal(1.58m, row[0]);
        Assert.Equal("2010", row[1]);
    }
}
