using System.Text.Json;

namespace FhirBulk.Server.Data;

/// <summary>
/// The few top-level facts an export filters on, read from a raw NDJSON line with a forward-only
/// <see cref="Utf8JsonReader"/> so unfiltered resources are copied without being parsed into a DOM.
/// </summary>
internal readonly record struct ResourceHeader(string? ResourceType, string? Id, DateTimeOffset? LastUpdated, string? PatientId)
{
    /// <summary>
    /// Reads the header; reading stops once the <paramref name="needed"/> fields are found, so an export
    /// that filters on nothing but the type touches only the first bytes of each line.
    /// </summary>
    public static ResourceHeader Read(ReadOnlySpan<byte> line, HeaderFields needed = HeaderFields.All)
    {
        var reader = new Utf8JsonReader(line, new JsonReaderOptions { AllowTrailingCommas = false });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("A resource line must be a JSON object.");
        }

        string? type = null, id = null, patient = null;
        DateTimeOffset? lastUpdated = null;
        var found = HeaderFields.None;
        while ((found & needed) != needed && reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("resourceType"u8))
            {
                reader.Read();
                type = reader.GetString();
                found |= HeaderFields.Type;

                // A Patient is its own patient: its id is all the patient field needs.
                if (type == "Patient")
                {
                    found |= HeaderFields.Patient;
                    needed |= HeaderFields.Id;
                }
            }
            else if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                id = reader.GetString();
                found |= HeaderFields.Id;
            }
            else if (reader.ValueTextEquals("meta"u8))
            {
                reader.Read();
                lastUpdated = FhirDateTime.TryParse(ReadStringProperty(ref reader, "lastUpdated"u8), out var updated) ? updated.Start : null;
                found |= HeaderFields.LastUpdated;
            }
            else if (reader.ValueTextEquals("subject"u8) || reader.ValueTextEquals("patient"u8) || reader.ValueTextEquals("beneficiary"u8))
            {
                reader.Read();
                patient ??= PatientIdOf(ReadStringProperty(ref reader, "reference"u8));
                found |= patient is null ? HeaderFields.None : HeaderFields.Patient;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (type == "Patient")
        {
            patient = id;
        }

        return new ResourceHeader(type, id, lastUpdated, patient);
    }

    /// <summary>Reads one string property of the object the reader is on (meta.lastUpdated, a Reference's reference), leaving the reader on its end.</summary>
    private static string? ReadStringProperty(ref Utf8JsonReader reader, ReadOnlySpan<byte> name)
    {
        string? result = null;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isWanted = reader.ValueTextEquals(name);
            reader.Read();
            if (isWanted && reader.TokenType == JsonTokenType.String)
            {
                result = reader.GetString();
            }
            else
            {
                reader.Skip();
            }
        }

        return result;
    }

    /// <summary>The patient id of <c>Patient/123</c>, <c>http://x/fhir/Patient/123</c> or <c>urn:uuid:123</c>.</summary>
    public static string? PatientIdOf(string? reference)
    {
        if (reference is null)
        {
            return null;
        }

        if (reference.StartsWith("urn:uuid:", StringComparison.Ordinal))
        {
            return reference[9..];
        }

        var index = reference.LastIndexOf("Patient/", StringComparison.Ordinal);
        if (index < 0 || (index > 0 && reference[index - 1] != '/'))
        {
            return null;
        }

        var id = reference[(index + 8)..];
        var history = id.IndexOf('/', StringComparison.Ordinal);
        return history < 0 ? id : id[..history];
    }
}

/// <summary>Which <see cref="ResourceHeader"/> fields a caller needs.</summary>
[Flags]
internal enum HeaderFields
{
    None = 0,
    Type = 1,
    Id = 2,
    LastUpdated = 4,
    Patient = 8,
    All = Type | Id | LastUpdated | Patient,
}
