namespace FhirBulk.Views.FhirPath;

/// <summary>
/// Turns a FHIR reference string into the key <c>getResourceKey()</c> gives the resource it
/// points to: the logical id. SQL-on-FHIR v2 leaves the key opaque; the id is what analysts
/// expect to join on, and it is what every reference form below shares with the target.
/// </summary>
internal static class ReferenceKey
{
    /// <summary>
    /// Parses <paramref name="reference"/>: relative (<c>Patient/123</c>, with or without
    /// <c>/_history/n</c>), absolute (<c>https://x/fhir/Patient/123</c>), <c>urn:uuid:</c> /
    /// <c>urn:oid:</c> (Synthea bundles), and conditional (<c>Organization?identifier=sys|value</c>,
    /// which Synthea uses for practitioners, organizations and locations; the identifier value is
    /// the key, which equals the target id wherever Synthea gives both the same value).
    /// Contained references (<c>#id</c>) have no key.
    /// </summary>
    /// <param name="reference">The <c>Reference.reference</c> string.</param>
    /// <param name="declaredType">The <c>Reference.type</c>, used when the string names no type.</param>
    /// <returns>The target's type (when known) and key, or <see langword="null"/> when there is none.</returns>
    public static (string? Type, string Key)? Parse(string? reference, string? declaredType)
    {
        if (string.IsNullOrEmpty(reference) || reference[0] == '#')
        {
            return null;
        }

        if (reference.StartsWith("urn:uuid:", StringComparison.OrdinalIgnoreCase) ||
            reference.StartsWith("urn:oid:", StringComparison.OrdinalIgnoreCase))
        {
            var key = reference[(reference.IndexOf(':', 4) + 1)..];
            return key.Length == 0 ? null : (declaredType, key);
        }

        var query = reference.IndexOf('?', StringComparison.Ordinal);
        if (query > 0)
        {
            return ParseConditional(reference[..query], reference[(query + 1)..], declaredType);
        }

        var segments = reference.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var end = segments.Length;
        if (end >= 4 && segments[end - 2] == "_history")
        {
            end -= 2;
        }

        if (end < 2)
        {
            return null;
        }

        return (segments[end - 2], segments[end - 1]);
    }

    private static (string? Type, string Key)? ParseConditional(string type, string query, string? declaredType)
    {
        foreach (var pair in query.Split('&'))
        {
            if (!pair.StartsWith("identifier=", StringComparison.Ordinal))
            {
                continue;
            }

            var value = Uri.UnescapeDataString(pair["identifier=".Length..]);
            var bar = value.LastIndexOf('|');
            var key = bar >= 0 ? value[(bar + 1)..] : value;
            var slash = type.LastIndexOf('/');
            var resourceType = slash >= 0 ? type[(slash + 1)..] : type;
            return key.Length == 0 ? null : (resourceType.Length == 0 ? declaredType : resourceType, key);
        }

        return null;
    }
}
