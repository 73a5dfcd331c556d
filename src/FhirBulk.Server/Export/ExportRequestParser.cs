using System.Text.RegularExpressions;
using FhirBulk.Server.Data;
using FhirBulk.Server.Fhir;

namespace FhirBulk.Server.Export;

/// <summary>
/// Validates kick-off parameters (Bulk Data IG, "Query Parameters"). Malformed values are always a 400;
/// parameters or values the server does not support are a 400 too, unless the client sent
/// <c>Prefer: handling=lenient</c>, in which case they are ignored and listed in the manifest's errors.
/// </summary>
internal static partial class ExportRequestParser
{
    private static readonly HashSet<string> OutputFormats = new(StringComparer.Ordinal) { "application/fhir+ndjson", "application/ndjson", "ndjson" };
    private static readonly HashSet<string> AssociatedData = new(StringComparer.Ordinal) { "LatestProvenanceResources", "RelevantProvenanceResources" };

    public static (ExportRequest? Request, string? Error) Parse(
        ExportLevel level, IReadOnlyList<KeyValuePair<string, string>> parameters, bool isPost, bool lenient, DateTimeOffset now)
    {
        var warnings = new List<string>();
        var types = new List<string>();
        var typeFilters = new Dictionary<string, List<TypeFilter>>(StringComparer.Ordinal);
        var associated = new List<string>();
        Dictionary<string, HashSet<string>>? elements = null;
        HashSet<string>? patients = null;
        DateTimeOffset? since = null, until = null;
        string? organizeBy = null;
        var partial = false;

        string? Unsupported(string message)
        {
            if (!lenient)
            {
                return message + " (send Prefer: handling=lenient to have it ignored)";
            }

            warnings.Add(message);
            return null;
        }

        foreach (var (name, rawValue) in parameters)
        {
            var value = rawValue.Trim();
            string? error = null;
            switch (name)
            {
                case "_outputFormat":
                    error = OutputFormats.Contains(value) ? null : $"_outputFormat '{value}' is not supported; use application/fhir+ndjson, application/ndjson or ndjson.";
                    break;
                case "_type":
                    foreach (var type in Split(value))
                    {
                        if (!ResourceTypes.IsKnown(type))
                        {
                            return (null, $"_type '{type}' is not a FHIR R4 resource type.");
                        }

                        if (!types.Contains(type))
                        {
                            types.Add(type);
                        }
                    }

                    break;
                case "_since":
                    if (!TryInstant(value, out var s))
                    {
                        return (null, $"_since '{value}' is not a FHIR instant (e.g. 2024-01-01T00:00:00Z).");
                    }

                    if (s > now)
                    {
                        return (null, $"_since '{value}' is in the future.");
                    }

                    since = s;
                    break;
                case "_until":
                    if (!TryInstant(value, out var u))
                    {
                        return (null, $"_until '{value}' is not a FHIR instant.");
                    }

                    until = u;
                    break;
                case "_elements":
                    elements ??= new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
                    foreach (var element in Split(value))
                    {
                        var dot = element.IndexOf('.', StringComparison.Ordinal);
                        var (scope, path) = dot < 0 ? ("*", element) : (element[..dot], element[(dot + 1)..]);
                        if ((scope != "*" && !ResourceTypes.IsKnown(scope)) || !ElementName().IsMatch(path))
                        {
                            return (null, $"_elements '{element}' is not an element name or Type.element.");
                        }

                        if (!elements.TryGetValue(scope, out var set))
                        {
                            elements[scope] = set = new HashSet<string>(StringComparer.Ordinal);
                        }

                        set.Add(path);
                    }

                    break;
                case "patient":
                    if (!isPost)
                    {
                        return (null, "The patient parameter is only allowed in a POST Parameters body.");
                    }

                    if (level == ExportLevel.System)
                    {
                        return (null, "The patient parameter applies to Patient and Group exports, not a system export.");
                    }

                    var patient = ResourceHeader.PatientIdOf(value);
                    if (patient is null)
                    {
                        return (null, $"patient '{value}' is not a Patient reference (Patient/<id>).");
                    }

                    (patients ??= new HashSet<string>(StringComparer.Ordinal)).Add(patient);
                    break;
                case "_typeFilter":
                    foreach (var query in SplitTypeFilters(value))
                    {
                        if (TypeFilter.TryParse(query, out var filter, out var filterError))
                        {
                            if (!typeFilters.TryGetValue(filter.Type, out var list))
                            {
                                typeFilters[filter.Type] = list = [];
                            }

                            list.Add(filter);
                        }
                        else if (!ResourceTypes.IsKnown(query.Split('?')[0]))
                        {
                            return (null, $"_typeFilter '{query}' names an unknown resource type.");
                        }
                        else
                        {
                            error = Unsupported(filterError);
                        }
                    }

                    break;
                case "includeAssociatedData":
                    foreach (var item in Split(value))
                    {
                        if (AssociatedData.Contains(item))
                        {
                            associated.Add(item);
                        }
                        else
                        {
                            error = Unsupported($"includeAssociatedData '{item}' is not supported; this server knows LatestProvenanceResources and RelevantProvenanceResources.");
                        }
                    }

                    break;
                case "organizeOutputBy":
                    if (value == "Patient")
                    {
                        organizeBy = value;
                    }
                    else
                    {
                        error = ResourceTypes.IsKnown(value)
                            ? Unsupported($"organizeOutputBy '{value}' is not supported; this server organizes by Patient only.")
                            : $"organizeOutputBy '{value}' is not a FHIR R4 resource type.";
                    }

                    break;
                case "allowPartialManifests":
                    if (!bool.TryParse(value, out partial))
                    {
                        return (null, $"allowPartialManifests '{value}' must be true or false.");
                    }

                    break;
                default:
                    error = Unsupported($"Unknown $export parameter '{name}'.");
                    break;
            }

            if (error is not null)
            {
                return (null, error);
            }
        }

        if (since is not null && until is not null && until < since)
        {
            return (null, "_until is earlier than _since.");
        }

        foreach (var type in typeFilters.Keys)
        {
            if (types.Count > 0 && !types.Contains(type))
            {
                return (null, $"_typeFilter for {type}, which _type does not include.");
            }
        }

        return (new ExportRequest
        {
            Level = level,
            Types = types,
            Since = since,
            Until = until,
            Elements = elements,
            Patients = patients,
            TypeFilters = typeFilters.ToDictionary(p => p.Key, p => (IReadOnlyList<TypeFilter>)p.Value, StringComparer.Ordinal),
            AllowPartialManifests = partial,
            OrganizeOutputBy = organizeBy,
            IncludeAssociatedData = associated,
            Warnings = warnings,
        }, null);
    }

    private static bool TryInstant(string value, out DateTimeOffset instant)
    {
        instant = default;
        if (!FhirDateTime.TryParse(value, out var parsed))
        {
            return false;
        }

        instant = parsed.Start;
        return true;
    }

    private static string[] Split(string value) => value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>
    /// Splits a comma-delimited list of queries. A comma also separates OR values inside a query, so a new
    /// query starts only where a comma is followed by <c>Type?</c>.
    /// </summary>
    private static IEnumerable<string> SplitTypeFilters(string value) =>
        TypeFilterStart().Split(value).Where(q => q.Length > 0);

    [GeneratedRegex(@",(?=[A-Z][A-Za-z]+\?)")]
    private static partial Regex TypeFilterStart();

    [GeneratedRegex(@"^[a-z][A-Za-z0-9]*$")]
    private static partial Regex ElementName();
}
