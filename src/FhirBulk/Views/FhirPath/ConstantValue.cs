using FhirBulk.Views.Definition;
using P = Hl7.Fhir.ElementModel.Types;

namespace FhirBulk.Views.FhirPath;

/// <summary>The FHIRPath value of a view constant, checked once when the view is compiled.</summary>
internal static class ConstantValue
{
    /// <summary>
    /// The constant's value: a Firely date, dateTime or time for those types (so a date that is not a date fails
    /// here, naming the element), the JSON value otherwise.
    /// </summary>
    /// <exception cref="ViewDefinitionException">A temporal constant does not parse.</exception>
    public static object Of(ViewConstant constant)
    {
        ArgumentNullException.ThrowIfNull(constant);
        try
        {
            return constant.FhirType switch
            {
                "date" => P.Date.Parse((string)constant.Value),
                "dateTime" or "instant" => P.DateTime.Parse((string)constant.Value),
                "time" => P.Time.Parse((string)constant.Value),
                _ => constant.Value,
            };
        }
        catch (FormatException ex)
        {
            // The parser checks the JSON kind only; a date that is not a date shows up here.
            var valuePath = $"{constant.ElementPath}.value{char.ToUpperInvariant(constant.FhirType[0])}{constant.FhirType[1..]}";
            throw new ViewDefinitionException(valuePath, $"'{constant.Value}' is not a valid {constant.FhirType}", ex);
        }
    }
}
