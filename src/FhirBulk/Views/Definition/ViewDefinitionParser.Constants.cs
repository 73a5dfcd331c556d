using System.Globalization;
using System.Text.Json;

namespace FhirBulk.Views.Definition;

/// <summary>The <c>constant</c> elements of a ViewDefinition: names, value[x] types and values.</summary>
public static partial class ViewDefinitionParser
{
    /// <summary>
    /// Variables FHIRPath (N1 §8), FHIR (R4 §2.1.9.1.7) and SQL-on-FHIR (<c>%rowIndex</c>) define: a
    /// constant may not take these names, and a path may use them without a constant.
    /// </summary>
    internal static readonly IReadOnlySet<string> BuiltInVariables =
        new HashSet<string>(["resource", "rootResource", "context", "ucum", "sct", "loinc", "rowIndex"], StringComparer.Ordinal);

    // value[x] suffixes the spec allows for constants, with the JSON kind each is written as.
    private static readonly Dictionary<string, (string FhirType, JsonValueKind Kind)> ConstantTypes =
        new(StringComparer.Ordinal)
        {
            ["valueBase64Binary"] = ("base64Binary", JsonValueKind.String),
            ["valueBoolean"] = ("boolean", JsonValueKind.True),
            ["valueCanonical"] = ("canonical", JsonValueKind.String),
            ["valueCode"] = ("code", JsonValueKind.String),
            ["valueDate"] = ("date", JsonValueKind.String),
            ["valueDateTime"] = ("dateTime", JsonValueKind.String),
            ["valueDecimal"] = ("decimal", JsonValueKind.Number),
            ["valueId"] = ("id", JsonValueKind.String),
            ["valueInstant"] = ("instant", JsonValueKind.String),
            ["valueInteger"] = ("integer", JsonValueKind.Number),
            ["valueInteger64"] = ("integer64", JsonValueKind.String),
            ["valueOid"] = ("oid", JsonValueKind.String),
            ["valueString"] = ("string", JsonValueKind.String),
            ["valuePositiveInt"] = ("positiveInt", JsonValueKind.Number),
            ["valueTime"] = ("time", JsonValueKind.String),
            ["valueUnsignedInt"] = ("unsignedInt", JsonValueKind.Number),
            ["valueUri"] = ("uri", JsonValueKind.String),
            ["valueUrl"] = ("url", JsonValueKind.String),
            ["valueUuid"] = ("uuid", JsonValueKind.String),
        };

    private static List<ViewConstant> ParseConstants(JsonElement view)
    {
        var result = new List<ViewConstant>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (item, path) in OptionalArray(view, "constant", ""))
        {
            RequireObject(item, path);
            var name = OptionalString(item, "name", path) ?? throw Error(path + ".name", "is required");
            if (!SqlName().IsMatch(name))
            {
                throw Error(path + ".name", $"'{name}' is not a valid name (letters, digits, '_', starting with a letter)");
            }

            if (!names.Add(name))
            {
                throw Error(path + ".name", $"constant '{name}' is defined twice");
            }

            if (BuiltInVariables.Contains(name))
            {
                throw Error(path + ".name", $"'%{name}' is defined by FHIRPath or SQL-on-FHIR and cannot be a constant");
            }

            ViewConstant? constant = null;
            foreach (var property in item.EnumerateObject())
            {
                if (!property.Name.StartsWith("value", StringComparison.Ordinal))
                {
                    continue;
                }

                var valuePath = $"{path}.{property.Name}";
                if (constant is not null)
                {
                    throw Error(valuePath, "a constant has exactly one value[x]");
                }

                if (!ConstantTypes.TryGetValue(property.Name, out var type))
                {
                    throw Error(valuePath, $"'{property.Name}' is not a value type a constant may have");
                }

                constant = new ViewConstant(path, name, type.FhirType, ReadConstantValue(property.Value, type, valuePath));
            }

            result.Add(constant ?? throw Error(path, $"constant '{name}' has no value[x]"));
        }

        return result;
    }

    private static object ReadConstantValue(JsonElement value, (string FhirType, JsonValueKind Kind) type, string path)
    {
        switch (type.Kind)
        {
            case JsonValueKind.True when value.ValueKind is JsonValueKind.True or JsonValueKind.False:
                return value.GetBoolean();
            case JsonValueKind.String when value.ValueKind == JsonValueKind.String:
                var text = value.GetString()!;
                if (type.FhirType == "integer64")
                {
                    return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)
                        ? l
                        : throw Error(path, $"'{text}' is not an integer64");
                }

                return text;
            case JsonValueKind.Number when value.ValueKind == JsonValueKind.Number:
                if (type.FhirType == "decimal")
                {
                    // GetDecimal would throw a bare FormatException for a value beyond decimal's range.
                    return value.TryGetDecimal(out var d)
                        ? d
                        : throw Error(path, $"{value.GetRawText()} is out of the decimal range");
                }

                return value.TryGetInt32(out var i)
                    ? i
                    : throw Error(path, $"{value.GetRawText()} is not a 32-bit integer");
            default:
                throw Error(path, $"expected a JSON {DescribeKind(type.Kind)} for a {type.FhirType} constant, found {DescribeKind(value.ValueKind)}");
        }
    }
}
