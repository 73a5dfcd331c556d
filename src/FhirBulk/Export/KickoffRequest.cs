using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FhirBulk.Export;

/// <summary>Turns an <see cref="ExportRequest"/> into the kick-off HTTP request (a GET query, or a POST Parameters body).</summary>
internal static class KickoffRequest
{
    public static Uri Endpoint(Uri fhirBase, ExportRequest request) => new(Base(fhirBase) + request.Level switch
    {
        ExportLevel.System => "$export",
        ExportLevel.Patient => "Patient/$export",
        _ => $"Group/{Uri.EscapeDataString(request.GroupId!)}/$export",
    });

    public static bool UsesPost(ExportRequest request) => request.UsePost || request.Patients.Count > 0;

    public static IReadOnlyList<(string Name, string Value)> Parameters(ExportRequest request)
    {
        var parameters = new List<(string, string)>();
        if (request.OutputFormat is not null)
        {
            parameters.Add(("_outputFormat", request.OutputFormat));
        }

        if (request.Types.Count > 0)
        {
            parameters.Add(("_type", string.Join(',', request.Types)));
        }

        if (request.Since is { } since)
        {
            parameters.Add(("_since", FhirInstant(since)));
        }

        if (request.Until is { } until)
        {
            parameters.Add(("_until", FhirInstant(until)));
        }

        if (request.Elements.Count > 0)
        {
            parameters.Add(("_elements", string.Join(',', request.Elements)));
        }

        parameters.AddRange(request.IncludeAssociatedData.Select(value => ("includeAssociatedData", value)));
        parameters.AddRange(request.TypeFilters.Select(filter => ("_typeFilter", filter)));
        if (request.OrganizeOutputBy is not null)
        {
            parameters.Add(("organizeOutputBy", request.OrganizeOutputBy));
        }

        if (request.AllowPartialManifests)
        {
            parameters.Add(("allowPartialManifests", "true"));
        }

        return parameters;
    }

    public static HttpRequestMessage Create(Uri endpoint, ExportRequest request)
    {
        var parameters = Parameters(request);
        HttpRequestMessage message;
        if (UsesPost(request))
        {
            message = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new StringContent(ParametersBody(request, parameters), Encoding.UTF8, "application/fhir+json") };
        }
        else
        {
            var query = string.Join('&', parameters.Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value)}"));
            message = new HttpRequestMessage(HttpMethod.Get, query.Length == 0 ? endpoint : new Uri(endpoint + "?" + query));
        }

        // Exactly this value: some servers reject "application/fhir+json; charset=utf-8" or a list.
        message.Headers.TryAddWithoutValidation("Accept", "application/fhir+json");
        message.Headers.TryAddWithoutValidation("Prefer", request.Lenient ? "respond-async, handling=lenient" : "respond-async");
        return message;
    }

    // Milliseconds as before, unless that would cut the instant: a _since taken from a transactionTime with finer digits
    // must be that instant exactly (the Bulk Data IG), not a millisecond earlier.
    public static string FhirInstant(DateTimeOffset instant) =>
        instant.ToUniversalTime().ToString(
            instant.Ticks % TimeSpan.TicksPerMillisecond == 0 ? "yyyy-MM-dd'T'HH:mm:ss.fff'Z'" : "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'",
            CultureInfo.InvariantCulture);

    internal static string Base(Uri fhirBase)
    {
        var text = fhirBase.AbsoluteUri;
        return text.EndsWith('/') ? text : text + "/";
    }

    private static string ParametersBody(ExportRequest request, IReadOnlyList<(string Name, string Value)> parameters)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("resourceType", "Parameters");
            json.WriteStartArray("parameter");
            foreach (var (name, value) in parameters)
            {
                json.WriteStartObject();
                json.WriteString("name", name);
                var valueType = name switch
                {
                    "_since" or "_until" => "valueInstant",
                    "allowPartialManifests" => "valueBoolean",
                    _ => "valueString",
                };
                if (valueType == "valueBoolean")
                {
                    json.WriteBoolean(valueType, true);
                }
                else
                {
                    json.WriteString(valueType, value);
                }

                json.WriteEndObject();
            }

            foreach (var patient in request.Patients)
            {
                json.WriteStartObject();
                json.WriteString("name", "patient");
                json.WriteStartObject("valueReference");
                json.WriteString("reference", ExportRequest.PatientReference(patient));
                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
