using FhirBulk.Server.Data;

namespace FhirBulk.Server.Tests.Data;

public class FhirDateTimeTests
{
    [Theory]
    [InlineData("2024", "2024-01-01T00:00:00Z", "2024-12-31T23:59:59.9999999Z")]
    [InlineData("2024-02", "2024-02-01T00:00:00Z", "2024-02-29T23:59:59.9999999Z")]
    [InlineData("2024-02-10", "2024-02-10T00:00:00Z", "2024-02-10T23:59:59.9999999Z")]
    [InlineData("2024-02-10T10:00:00+02:00", "2024-02-10T08:00:00Z", "2024-02-10T08:00:00.9999999Z")]
    [InlineData("2024-02-10T10:00:00.250Z", "2024-02-10T10:00:00.25Z", "2024-02-10T10:00:00.25Z")]
    public void TryParse_Precision_CoversItsRange(string text, string start, string end)
    {
        Assert.True(FhirDateTime.TryParse(text, out var value));
        Assert.Equal(DateTimeOffset.Parse(start, System.Globalization.CultureInfo.InvariantCulture), value.Start);
        Assert.Equal(DateTimeOffset.Parse(end, System.Globalization.CultureInfo.InvariantCulture), value.End);
    }

    [Theory]
    [InlineData("9999")]
    [InlineData("9999-12")]
    [InlineData("9999-12-31")]
    public void TryParse_LastPeriodOfTheCalendar_EndsAtMaxValue(string text)
    {
        // Regression: AddYears/AddMonths/AddDays past 9999 threw, so _until=9999 was a 500.
        Assert.True(FhirDateTime.TryParse(text, out var value));
        Assert.Equal(DateTimeOffset.MaxValue, value.End);
    }

    [Fact]
    public void TryParse_December9998_EndsAtYearEnd()
    {
        Assert.True(FhirDateTime.TryParse("9998-12", out var value));
        Assert.Equal(new DateTimeOffset(9999, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(-1), value.End);
    }

    [Theory]
    [InlineData("")]
    [InlineData("yesterday")]
    [InlineData("2024-13")]
    [InlineData("2024-02-30")]
    public void TryParse_Invalid_False(string text) => Assert.False(FhirDateTime.TryParse(text, out _));
}
