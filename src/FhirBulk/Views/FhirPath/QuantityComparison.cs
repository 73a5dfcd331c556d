using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using Fhir.Metrics;

namespace FhirBulk.Views.FhirPath;

/// <summary>
/// FHIRPath's unit-aware Quantity comparison (§Quantity, §Equality, §Equivalence, §Comparison):
/// UCUM units of the same dimension are converted through Fhir.Metrics, and the calendar
/// duration keywords (<c>year</c> … <c>millisecond</c>, singular or plural) follow the spec's
/// table: week and shorter equal their UCUM counterparts (<c>1 week = 1 'wk'</c>), while year
/// and month are comparable only with themselves for <c>=</c> and ordering
/// (<c>1 year = 1 'a'</c> and <c>1 year = 12 months</c> are empty) and equivalent to
/// <c>'a'</c> and <c>'mo'</c> for <c>~</c>. Both engines use this one implementation.
/// </summary>
internal static partial class QuantityComparison
{
    private const string UcumSystem = "http://unitsofmeasure.org";

    // Conversions held to this many significant digits: Fhir.Metrics computes factors in binary
    // floating point ('mo' comes out as 2629800.0000000021 s, '/min' as 0.0166666666666667 /s),
    // and that noise must not make 1 'mo' differ from 30.4375 'd'.
    private const int SignificantDigits = 15;

    // UCUM's arbitrary units ([iU], [CFU], …) are not commensurable with anything but
    // themselves, yet Fhir.Metrics gives them the dimensionless base of '%'.
    private static readonly HashSet<string> ArbitraryAtoms = new(StringComparer.Ordinal)
    {
        "[iU]", "[IU]", "[arb'U]", "[USP'U]", "[GPL'U]", "[MPL'U]", "[APL'U]", "[beth'U]", "[anti'Xa'U]", "[todd'U]",
        "[dye'U]", "[smgy'U]", "[bdsk'U]", "[ka'U]", "[knk'U]", "[mclg'U]", "[tb'U]", "[CCID_50]", "[TCID_50]", "[EID_50]",
        "[PFU]", "[FFU]", "[CFU]", "[IR]", "[BAU]", "[AU]", "[Amb'a'1'U]", "[PNU]", "[Lf]", "[D'ag'U]", "[FEU]", "[ELU]", "[EU]",
    };

    // Fhir.Metrics parses the unit on every call, and a view compares the same few units for
    // every resource; unknown units are cached too (as null).
    private static readonly ConcurrentDictionary<string, UcumFactor?> Factors = new(StringComparer.Ordinal);

    /// <summary>
    /// Orders two quantities: negative, zero or positive, or <see langword="null"/> when they are
    /// not comparable (different dimensions, a unit UCUM does not know, or a calendar year or
    /// month against any other unit).
    /// </summary>
    public static int? Compare(decimal leftValue, string? leftUnit, decimal rightValue, string? rightUnit)
    {
        if (Align(leftValue, leftUnit, rightValue, rightUnit, equivalence: false) is not { } aligned)
        {
            return null;
        }

        var order = aligned.Coarse.CompareTo(aligned.FineInCoarse);
        return aligned.CoarseIsLeft ? order : -order;
    }

    /// <summary>
    /// FHIRPath <c>=</c> on two quantities: <see langword="null"/> (empty) when they are not
    /// comparable, otherwise whether the converted values are equal.
    /// </summary>
    public static bool? Equal(decimal leftValue, string? leftUnit, decimal rightValue, string? rightUnit) =>
        Compare(leftValue, leftUnit, rightValue, rightUnit) is { } order ? order == 0 : null;

    /// <summary>
    /// FHIRPath <c>~</c> on two quantities: calendar years and months count as <c>'a'</c> and
    /// <c>'mo'</c>, values are compared after rounding to the precision of the less precise
    /// operand (both in the coarser unit: <c>4 'g' ~ 4040 'mg'</c>), and quantities that cannot
    /// be compared are simply not equivalent.
    /// </summary>
    public static bool Equivalent(decimal leftValue, string? leftUnit, decimal rightValue, string? rightUnit)
    {
        if (Align(leftValue, leftUnit, rightValue, rightUnit, equivalence: true) is not { } aligned)
        {
            return false;
        }

        var places = Math.Min(Scale(aligned.Coarse), Scale(aligned.FineInCoarse));
        return Math.Round(aligned.Coarse, places, MidpointRounding.AwayFromZero)
            == Math.Round(aligned.FineInCoarse, places, MidpointRounding.AwayFromZero);
    }

    // Both values in the coarser of the two units: converting the finer one down never
    // overflows (1e6 'mmol/L' is 6e29 in UCUM's base units), and the choice depends only on the
    // pair of units, so comparing in either order rounds the same way.
    private static Aligned? Align(decimal leftValue, string? leftUnit, decimal rightValue, string? rightUnit, bool equivalence)
    {
        var left = Normalize(leftUnit, equivalence);
        var right = Normalize(rightUnit, equivalence);
        if (string.Equals(left, right, StringComparison.Ordinal))
        {
            // The same unit needs no conversion, even one UCUM does not know ('{score}').
            return new Aligned(leftValue, rightValue, CoarseIsLeft: true);
        }

        // Calendar years and months have no fixed length; only ~ maps them to 'a' and 'mo'.
        if (IsIndefinite(left) || IsIndefinite(right)
            || FactorOf(left) is not { } leftFactor || FactorOf(right) is not { } rightFactor
            || !string.Equals(leftFactor.BaseUnit, rightFactor.BaseUnit, StringComparison.Ordinal))
        {
            return null;
        }

        return leftFactor.Factor >= rightFactor.Factor
            ? new Aligned(leftValue, RoundSignificant(rightValue * RoundSignificant(rightFactor.Factor / leftFactor.Factor)), CoarseIsLeft: true)
            : new Aligned(rightValue, RoundSignificant(leftValue * RoundSignificant(leftFactor.Factor / rightFactor.Factor)), CoarseIsLeft: false);
    }

    // Calendar keywords (singular or plural) become the UCUM code they equal; year and month
    // stay calendar units unless the comparison is an equivalence.
    private static string Normalize(string? unit, bool equivalence) => unit switch
    {
        null or "" => "1",
        "year" or "years" => equivalence ? "a" : "year",
        "month" or "months" => equivalence ? "mo" : "month",
        "week" or "weeks" => "wk",
        "day" or "days" => "d",
        "hour" or "hours" => "h",
        "minute" or "minutes" => "min",
        "second" or "seconds" => "s",
        "millisecond" or "milliseconds" => "ms",
        _ => unit,
    };

    private static bool IsIndefinite(string unit) => unit is "year" or "month";

    private static UcumFactor? FactorOf(string unit) => Factors.GetOrAdd(unit, static u => LoadFactor(u));

    private static UcumFactor? LoadFactor(string unit)
    {
        (string value, string unit, string codesystem)? one, two;
        try
        {
            var service = FhirMetricService.Instance.Value;
            if (!service.TryCanonicalize(("1", unit, UcumSystem), out one) || !service.TryCanonicalize(("2", unit, UcumSystem), out two))
            {
                return null;
            }
        }
        catch (TypeInitializationException ex)
        {
            // Fhir.Metrics builds CultureInfo("en-US"): a host in globalization-invariant mode
            // must allow named cultures, or every conversion would silently come out empty.
            throw new ViewEvaluationException(
                "UCUM unit conversion is unavailable in this process: it runs in globalization-invariant mode with predefined cultures only; "
                + "set <PredefinedCulturesOnly>false</PredefinedCulturesOnly> (or DOTNET_SYSTEM_GLOBALIZATION_PREDEFINED_CULTURES_ONLY=false)",
                ex);
        }

        if (one is not { } unitCanonical || two is not { } twoCanonical
            || !decimal.TryParse(unitCanonical.value, NumberStyles.Float, CultureInfo.InvariantCulture, out var factor)
            || !decimal.TryParse(twoCanonical.value, NumberStyles.Float, CultureInfo.InvariantCulture, out var doubled))
        {
            return null;
        }

        // A unit whose conversion is not a plain factor (Celsius, with its offset) cannot be
        // scaled by one; Fhir.Metrics does not convert those, so they compare only with themselves.
        if (factor <= 0 || doubled != 2 * factor)
        {
            return null;
        }

        // The base names the dimension; arbitrary atoms are kept in it so that only units with
        // the same ones compare ('m[IU]/mL' with '[IU]/L', never '[IU]' with '%').
        var arbitrary = string.Concat(BracketedAtom().Matches(unit).Select(m => m.Value).Where(ArbitraryAtoms.Contains).Order(StringComparer.Ordinal));
        var dimension = unitCanonical.unit is "" ? "1" : unitCanonical.unit;
        return new UcumFactor(factor, arbitrary.Length == 0 ? dimension : $"{dimension}|{arbitrary}");
    }

    private static decimal RoundSignificant(decimal value)
    {
        if (value == 0)
        {
            return 0;
        }

        var integerDigits = (int)Math.Floor(Math.Log10((double)Math.Abs(value))) + 1;
        var places = Math.Clamp(SignificantDigits - integerDigits, 0, 28);
        return Math.Round(value, places, MidpointRounding.AwayFromZero) / 1.0000000000000000000000000000m;
    }

    // Decimal places that carry meaning: trailing zeros do not (FHIRPath ignores them).
    private static int Scale(decimal value) => (value / 1.0000000000000000000000000000m).Scale;

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex BracketedAtom();

    private readonly record struct UcumFactor(decimal Factor, string BaseUnit);

    private readonly record struct Aligned(decimal Coarse, decimal FineInCoarse, bool CoarseIsLeft);
}
