using CsCheck;
using FhirBulk.Views.FhirPath;

namespace FhirBulk.Tests.Views.FhirPath;

public class QuantityComparisonTests
{
    [Theory]
    [InlineData("5", "mg", "0.005", "g")]
    [InlineData("1", "m", "100", "cm")]
    [InlineData("4.0000", "g", "4000.0", "mg")]
    [InlineData("1", "min", "60", "s")]
    [InlineData("1", "[in_i]", "2.54", "cm")]
    [InlineData("1", "mo", "30.4375", "d")]
    [InlineData("1", "ng", "0.000001", "mg")]
    [InlineData("50", "%", "0.5", "1")]
    [InlineData("1", "[iU]/mL", "1000", "[iU]/L")]
    public void Equal_SameDimensionDifferentUnits_IsTrue(string left, string leftUnit, string right, string rightUnit) =>
        Assert.True(QuantityComparison.Equal(D(left), leftUnit, D(right), rightUnit));

    [Fact]
    public void Equal_ConvertedValuesDiffer_IsFalse() =>
        Assert.False(QuantityComparison.Equal(4m, "g", 4040m, "mg"));

    [Theory]
    [InlineData("1", "min", "59", "s", 1)]
    [InlineData("6", "days", "1", "week", -1)]
    [InlineData("8", "days", "1", "week", 1)]
    [InlineData("2", "kg", "1500", "g", 1)]
    [InlineData("100", "cm", "2", "m", -1)]
    public void Compare_AcrossUnits_OrdersByConvertedValue(string left, string leftUnit, string right, string rightUnit, int expected) =>
        Assert.Equal(expected, Math.Sign(QuantityComparison.Compare(D(left), leftUnit, D(right), rightUnit)!.Value));

    [Theory]
    [InlineData("week", "wk")]
    [InlineData("weeks", "wk")]
    [InlineData("day", "d")]
    [InlineData("hours", "h")]
    [InlineData("minute", "min")]
    [InlineData("second", "s")]
    [InlineData("milliseconds", "ms")]
    public void Equal_CalendarDurationOfAWeekOrLess_EqualsItsUcumCounterpart(string calendar, string ucum) =>
        Assert.True(QuantityComparison.Equal(3m, calendar, 3m, ucum));

    [Fact]
    public void Equal_SevenDaysAndOneWeek_IsTrue() =>
        Assert.True(QuantityComparison.Equal(7m, "days", 1m, "week"));

    [Theory]
    [InlineData("year", "a")]
    [InlineData("years", "a")]
    [InlineData("month", "mo")]
    [InlineData("year", "d")]
    public void Compare_CalendarYearOrMonthAgainstUcum_IsNotComparable(string calendar, string ucum)
    {
        Assert.Null(QuantityComparison.Compare(1m, calendar, 1m, ucum));
        Assert.Null(QuantityComparison.Equal(1m, calendar, 1m, ucum));
    }

    [Fact]
    public void Equal_OneYearAndTwelveMonths_IsNotComparable() =>
        Assert.Null(QuantityComparison.Equal(1m, "year", 12m, "months"));

    [Fact]
    public void Equal_CalendarYearAndYears_IsTrue() =>
        Assert.True(QuantityComparison.Equal(2m, "year", 2m, "years"));

    [Theory]
    [InlineData("cm2", "cm")]
    [InlineData("g", "m")]
    [InlineData("kg", "not-a-unit")]
    [InlineData("min", "mg")]
    [InlineData("[iU]", "%")]
    [InlineData("[iU]/mL", "/mL")]
    public void Compare_DifferentDimensionsOrUnknownUnit_IsNotComparable(string leftUnit, string rightUnit) =>
        Assert.Null(QuantityComparison.Compare(1m, leftUnit, 1m, rightUnit));

    [Fact]
    public void Compare_ValuesBeyondDecimalRangeInBaseUnits_StillCompare() =>
        Assert.Equal(1, Math.Sign(QuantityComparison.Compare(1_000_000m, "mmol/L", 1m, "umol/L")!.Value));

    [Fact]
    public void Compare_SameUnknownUnit_ComparesValues() =>
        Assert.Equal(-1, Math.Sign(QuantityComparison.Compare(1m, "{score}", 2m, "{score}")!.Value));

    [Fact]
    public void Equal_MissingUnitAndUnity_AreTheSameUnit() =>
        Assert.True(QuantityComparison.Equal(3m, null, 3m, "1"));

    [Theory]
    [InlineData("1", "year", "1", "a", true)]
    [InlineData("1", "month", "1", "mo", true)]
    [InlineData("1", "second", "1", "s", true)]
    [InlineData("4", "g", "4000", "mg", true)]
    [InlineData("4", "g", "4040", "mg", true)]
    [InlineData("4.0", "g", "4040", "mg", true)]
    [InlineData("4.1", "g", "4040", "mg", false)]
    [InlineData("1", "g", "1", "m", false)]
    [InlineData("1", "kg", "1", "not-a-unit", false)]
    public void Equivalent_FollowsTheSpecExamples(string left, string leftUnit, string right, string rightUnit, bool expected) =>
        Assert.Equal(expected, QuantityComparison.Equivalent(D(left), leftUnit, D(right), rightUnit));

    private static readonly string[] Units = ["g", "mg", "kg", "ug", "m", "cm", "mm", "km", "s", "ms", "min", "h", "d", "wk",
        "a", "mo", "L", "mL", "day", "week", "hours", "year", "month", "{score}", "1", "cm2", "mmol/L", "umol/mL", "mg/dL", "[iU]", "/min", "[in_i]"];

    private static readonly Gen<string> AnyUnit = Gen.Int[0, Units.Length - 1].Select(i => Units[i]);

    private static readonly (string Unit, string Prefixed, decimal Factor)[] Prefixes =
        [("g", "mg", 1000m), ("m", "cm", 100m), ("L", "mL", 1000m), ("kg", "g", 1000m), ("s", "ms", 1000m), ("g", "ug", 1_000_000m)];

    private static readonly Gen<(string Unit, string Prefixed, decimal Factor)> PrefixPairs = Gen.Int[0, Prefixes.Length - 1].Select(i => Prefixes[i]);

    private static readonly Gen<decimal> Values = Gen.Int[-1_000_000, 1_000_000].Select(Gen.Int[0, 4], (n, scale) => new decimal(Math.Abs(n), 0, 0, n < 0, (byte)scale));

    [Fact]
    public void Compare_IsAntisymmetric() =>
        Gen.Select(Values, AnyUnit, Values, AnyUnit).Sample((a, ua, b, ub) =>
        {
            var forward = QuantityComparison.Compare(a, ua, b, ub);
            var backward = QuantityComparison.Compare(b, ub, a, ua);
            return forward is null ? backward is null : backward is not null && Math.Sign(forward.Value) == -Math.Sign(backward.Value);
        });

    [Fact]
    public void Equal_ScalingByAPrefixPreservesEquality() =>
        Gen.Select(Values, PrefixPairs)
            .Sample((value, units) =>
                QuantityComparison.Equal(value, units.Unit, value * units.Factor, units.Prefixed) == true
                && QuantityComparison.Equivalent(value, units.Unit, value * units.Factor, units.Prefixed));

    [Fact]
    public void Equal_SameUnit_IsDecimalEquality() =>
        Gen.Select(Values, Values, AnyUnit).Sample((a, b, unit) =>
            QuantityComparison.Equal(a, unit, b, unit) == (a == b));

    private static decimal D(string value) => decimal.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
}
