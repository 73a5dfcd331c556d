using System.Text.Json;

namespace FhirBulk.Server.Export;

/// <summary>
/// One <c>_typeFilter</c> query (<c>Observation?category=laboratory&amp;date=ge2024</c>): its criteria are
/// ANDed, the comma-separated values of one criterion are ORed, and several queries for one type are ORed
/// (Bulk Data IG, "_typeFilter").
/// </summary>
internal sealed class TypeFilter
{
    private readonly List<SearchCriterion> _criteria;

    private TypeFilter(string type, List<SearchCriterion> criteria)
    {
        Type = type;
        _criteria = criteria;
    }

    public string Type { get; }

    /// <summary>Parses <c>Type?query</c>; on failure <paramref name="error"/> says what is unsupported.</summary>
    public static bool TryParse(string text, out TypeFilter filter, out string error)
    {
        filter = null!;
        error = string.Empty;
        var question = text.IndexOf('?', StringComparison.Ordinal);
        if (question <= 0)
        {
            error = $"_typeFilter '{text}' must have the form Type?search-parameters.";
            return false;
        }

        var type = text[..question];
        var criteria = new List<SearchCriterion>();
        foreach (var pair in text[(question + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                error = $"_typeFilter '{text}': '{pair}' is not name=value.";
                return false;
            }

            var name = Uri.UnescapeDataString(pair[..equals]);
            var modifier = string.Empty;
            var colon = name.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                modifier = name[(colon + 1)..];
                name = name[..colon];
            }

            if (!SearchParameters.TryGet(type, name, out var parameter))
            {
                error = $"_typeFilter '{text}': search parameter '{name}' is not supported for {type}.";
                return false;
            }

            if (modifier.Length > 0 && !(parameter.Kind == SearchKind.Token && modifier is "not" or "text"))
            {
                error = $"_typeFilter '{text}': modifier ':{modifier}' is not supported on '{name}'.";
                return false;
            }

            var values = Uri.UnescapeDataString(pair[(equals + 1)..].Replace('+', ' ')).Split(',');
            if (parameter.Kind == SearchKind.Date)
            {
                foreach (var value in values)
                {
                    if (!SearchCriterion.TryParseDate(value, out _, out _))
                    {
                        error = $"_typeFilter '{text}': '{value}' is not a FHIR date for '{name}' (prefixes eq ne gt lt ge le).";
                        return false;
                    }
                }
            }

            criteria.Add(new SearchCriterion(parameter, modifier, values));
        }

        if (criteria.Count == 0)
        {
            error = $"_typeFilter '{text}' has no search parameters.";
            return false;
        }

        filter = new TypeFilter(type, criteria);
        return true;
    }

    public bool Matches(JsonElement resource) => _criteria.TrueForAll(c => c.Matches(resource));
}
