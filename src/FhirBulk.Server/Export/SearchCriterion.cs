using System.Text.Json;
using FhirBulk.Server.Data;

namespace FhirBulk.Server.Export;

/// <summary>
/// One <c>name[:modifier]=value[,value]</c> of a <c>_typeFilter</c> query, evaluated with FHIR R4 search
/// semantics: token <c>[system]|code</c> (and <c>:not</c>, <c>:text</c>), date ranges with prefixes, references.
/// </summary>
internal sealed record SearchCriterion(SearchParameter Parameter, string Modifier, string[] Values)
{
    private static readonly string[] DatePrefixes = ["eq", "ne", "gt", "lt", "ge", "le"];

    // Parsed once here rather than for every resource the filter is matched against;
    // TypeFilter.TryParse has already refused values that do not parse.
    private readonly (string Prefix, FhirDateTime Date)[] _dates =
        Parameter.Kind == SearchKind.Date ? [.. Values.Select(v => TryParseDate(v, out var prefix, out var date) ? (prefix, date) : ("eq", default))] : [];

    /// <summary>Splits a date search value into its prefix (<c>eq</c> when absent) and the date.</summary>
    public static bool TryParseDate(string value, out string prefix, out FhirDateTime date)
    {
        var prefixed = value.Length > 2 && Array.IndexOf(DatePrefixes, value[..2]) >= 0;
        prefix = prefixed ? value[..2] : "eq";
        return FhirDateTime.TryParse(prefixed ? value[2..] : value, out date);
    }

    public bool Matches(JsonElement resource)
    {
        var targets = new List<JsonElement>();
        foreach (var path in Parameter.Elements)
        {
            Collect(resource, path.Split('.'), 0, targets);
        }

        var any = Parameter.Kind == SearchKind.Date
            ? Array.Exists(_dates, d => targets.Exists(target => MatchesDate(target, d.Prefix, d.Date)))
            : Array.Exists(Values, value => targets.Exists(target => MatchesValue(target, value)));
        return Modifier == "not" ? !any : any;
    }

    private static void Collect(JsonElement element, string[] path, int depth, List<JsonElement> into)
    {
        if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in element.EnumerateArray())
            {
                Collect(item, path, depth, into);
            }

            return;
        }

        if (depth == path.Length)
        {
            into.Add(element);
            return;
        }

        if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty(path[depth], out var child))
        {
            Collect(child, path, depth + 1, into);
        }
    }

    private bool MatchesValue(JsonElement target, string value) => Parameter.Kind switch
    {
        SearchKind.Token when Modifier == "text" => TokenText(target).Any(t => t.Contains(value, StringComparison.OrdinalIgnoreCase)),
        SearchKind.Token => MatchesToken(target, value),
        _ => MatchesReference(target, value),
    };

    private static bool MatchesToken(JsonElement target, string value)
    {
        var bar = value.IndexOf('|', StringComparison.Ordinal);
        string? system = bar < 0 ? null : value[..bar];
        var code = bar < 0 ? value : value[(bar + 1)..];
        foreach (var (codingSystem, codingCode) in Codings(target))
        {
            var systemMatches = system is null || (system.Length == 0 ? codingSystem is null : system == codingSystem);
            if (systemMatches && (code.Length == 0 || code == codingCode))
            {
                return true;
            }
        }

        return false;
    }

    private static IEnumerable<(string? System, string? Code)> Codings(JsonElement target)
    {
        switch (target.ValueKind)
        {
            case JsonValueKind.String:
                yield return (null, target.GetString());
                break;
            case JsonValueKind.True or JsonValueKind.False:
                yield return (null, target.ValueKind == JsonValueKind.True ? "true" : "false");
                break;
            case JsonValueKind.Object when target.TryGetProperty("coding", out var codings) && codings.ValueKind == JsonValueKind.Array:
                foreach (var coding in codings.EnumerateArray())
                {
                    yield return (Text(coding, "system"), Text(coding, "code"));
                }

                break;
            case JsonValueKind.Object:
                yield return (Text(target, "system"), Text(target, "code") ?? Text(target, "value"));
                break;
        }
    }

    private static IEnumerable<string> TokenText(JsonElement target)
    {
        if (target.ValueKind != JsonValueKind.Object)
        {
            yield break;
        }

        if (Text(target, "text") is { } text)
        {
            yield return text;
        }

        if (target.TryGetProperty("coding", out var codings) && codings.ValueKind == JsonValueKind.Array)
        {
            foreach (var coding in codings.EnumerateArray())
            {
                if (Text(coding, "display") is { } display)
                {
                    yield return display;
                }
            }
        }
        else if (Text(target, "display") is { } display)
        {
            yield return display;
        }
    }

    private static bool MatchesDate(JsonElement target, string prefix, FhirDateTime search)
    {
        FhirDateTime range;
        if (target.ValueKind == JsonValueKind.String && FhirDateTime.TryParse(target.GetString(), out var point))
        {
            range = point;
        }
        else if (target.ValueKind == JsonValueKind.Object)
        {
            // A Period without an end is ongoing; without a start it began at the dawn of time (R4 §2.24.0.1).
            var start = FhirDateTime.TryParse(Text(target, "start"), out var s) ? s.Start : DateTimeOffset.MinValue;
            var end = FhirDateTime.TryParse(Text(target, "end"), out var e) ? e.End : DateTimeOffset.MaxValue;
            range = new FhirDateTime(start, end);
        }
        else
        {
            return false;
        }

        var contained = search.Start <= range.Start && range.End <= search.End;
        return prefix switch
        {
            "eq" => contained,
            "ne" => !contained,
            "gt" => range.End > search.End,
            "lt" => range.Start < search.Start,
            "ge" => range.End >= search.Start,
            _ => range.Start <= search.End,
        };
    }

    private static bool MatchesReference(JsonElement target, string value)
    {
        var reference = target.ValueKind == JsonValueKind.Object ? Text(target, "reference") : null;
        if (reference is null)
        {
            return false;
        }

        return reference == value || reference.EndsWith("/" + value, StringComparison.Ordinal)
            || (value.Contains('/', StringComparison.Ordinal) && reference.EndsWith(value, StringComparison.Ordinal)
                && (reference.Length == value.Length || reference[^(value.Length + 1)] == '/'));
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
