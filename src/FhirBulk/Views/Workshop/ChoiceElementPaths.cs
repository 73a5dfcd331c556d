using System.Text.RegularExpressions;
using FhirBulk.Views.FhirPath.Model;
using Hl7.Fhir.Introspection;
using Hl7.Fhir.Model;

namespace FhirBulk.Views.Workshop;

/// <summary>
/// Rewrites the JSON spelling of a choice element (<c>valueCodeableConcept</c>) in a workshop
/// column into FHIRPath's (<c>value.ofType(CodeableConcept)</c>).
/// </summary>
/// <remarks>
/// The workshop's Python FHIRPath engine resolves <c>valueCodeableConcept.coding.first().code</c>,
/// so researchers carry such paths over; FHIRPath proper (and Firely) only knows <c>value</c>, and
/// the column would silently be empty. Only the leading run of plain member names is rewritten,
/// where the model tells exactly which element is meant; ViewDefinitions are left as written,
/// because the SQL-on-FHIR spec defines them over FHIRPath proper.
/// </remarks>
internal static partial class ChoiceElementPaths
{
    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*(?=$|[.\[])")]
    private static partial Regex LeadingMembers();

    public static string Rewrite(string resourceType, string path)
    {
        var inspector = FirelyModel.R4;
        var mapping = inspector.FindClassMapping(resourceType);
        var lead = LeadingMembers().Match(path);
        if (mapping is null || !lead.Success)
        {
            return path;
        }

        var segments = lead.Value.Split('.');
        for (var i = 0; i < segments.Length && mapping is not null; i++)
        {
            var segment = segments[i];
            var element = mapping.FindMappedElementByName(segment);
            if (element is not null)
            {
                mapping = inspector.FindOrImportClassMapping(element.ImplementingType);
                continue;
            }

            var choice = mapping.FindMappedElementByChoiceName(segment);
            if (choice is null || choice.Choice != ChoiceType.DatatypeChoice || segment.Length <= choice.Name.Length)
            {
                return path;
            }

            var typeName = segment[choice.Name.Length..];
            var primitive = char.ToLowerInvariant(typeName[0]) + typeName[1..];
            if (ModelInfo.IsPrimitive(primitive))
            {
                typeName = primitive;
            }

            // A suffix that names no type this element allows (valueNope) stays as written, so
            // the compiler reports it rather than us inventing a path.
            var type = ModelInfo.GetTypeForFhirType(typeName);
            if (type is null || !choice.FhirType.Contains(type))
            {
                return path;
            }

            segments[i] = $"{choice.Name}.ofType({typeName})";
            return string.Join('.', segments) + path[lead.Length..];
        }

        return path;
    }
}
