using System.Text.Json;

namespace FhirBulk.Auth;

/// <summary>What a server's <c>.well-known/smart-configuration</c> (or its CapabilityStatement's oauth-uris extension) says about authorization.</summary>
/// <param name="TokenEndpoint">Where to get access tokens.</param>
/// <param name="SigningAlgorithms"><c>token_endpoint_auth_signing_alg_values_supported</c>.</param>
/// <param name="ScopesSupported"><c>scopes_supported</c>.</param>
/// <param name="Capabilities"><c>capabilities</c>.</param>
/// <param name="FromCapabilityStatement">True when the smart-configuration document was missing and the CapabilityStatement was used.</param>
public sealed record SmartConfiguration(
    Uri? TokenEndpoint,
    IReadOnlyList<string> SigningAlgorithms,
    IReadOnlyList<string> ScopesSupported,
    IReadOnlyList<string> Capabilities,
    bool FromCapabilityStatement)
{
    internal const string OAuthUrisExtension = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris";

    /// <summary>Reads a smart-configuration document; a malformed one fails naming the document and the field (exit 5 in the CLI), not with a parser's message.</summary>
    internal static SmartConfiguration Parse(JsonElement root, Uri documentUrl)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Malformed(documentUrl, $"is a JSON {root.ValueKind.ToString().ToLowerInvariant()}, not an object");
        }

        Uri? tokenEndpoint = null;
        if (root.TryGetProperty("token_endpoint", out var token) && token.ValueKind != JsonValueKind.Null)
        {
            if (token.ValueKind != JsonValueKind.String || !Uri.TryCreate(documentUrl, token.GetString(), out tokenEndpoint)
                || (tokenEndpoint.Scheme != Uri.UriSchemeHttps && tokenEndpoint.Scheme != Uri.UriSchemeHttp))
            {
                throw Malformed(documentUrl, $"has a token_endpoint that is not an http(s) URL ({token.GetRawText()})");
            }
        }

        return new(
            tokenEndpoint,
            Strings(root, "token_endpoint_auth_signing_alg_values_supported", documentUrl),
            Strings(root, "scopes_supported", documentUrl),
            Strings(root, "capabilities", documentUrl),
            FromCapabilityStatement: false);
    }

    internal static SmartConfiguration? FromCapability(JsonElement capability, Uri documentUrl)
    {
        if (capability.ValueKind != JsonValueKind.Object || !capability.TryGetProperty("rest", out var rests) || rests.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (var rest in rests.EnumerateArray())
        {
            if (rest.ValueKind != JsonValueKind.Object || !rest.TryGetProperty("security", out var security) || security.ValueKind != JsonValueKind.Object || !security.TryGetProperty("extension", out var extensions) || extensions.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            foreach (var extension in extensions.EnumerateArray())
            {
                if (extension.ValueKind != JsonValueKind.Object || !extension.TryGetProperty("url", out var url) || !url.ValueEquals(OAuthUrisExtension) || !extension.TryGetProperty("extension", out var uris) || uris.ValueKind != JsonValueKind.Array)
                {
                    continue;
                }

                foreach (var uri in uris.EnumerateArray())
                {
                    if (uri.ValueKind == JsonValueKind.Object && uri.TryGetProperty("url", out var name) && name.ValueEquals("token") && uri.TryGetProperty("valueUri", out var value))
                    {
                        return value.ValueKind == JsonValueKind.String && Uri.TryCreate(documentUrl, value.GetString(), out var endpoint) && endpoint.Scheme is "https" or "http"
                            ? new SmartConfiguration(endpoint, [], [], [], FromCapabilityStatement: true)
                            : throw Malformed(documentUrl, $"has an oauth-uris token valueUri that is not an http(s) URL ({value.GetRawText()})");
                    }
                }
            }
        }

        return null;
    }

    private static string[] Strings(JsonElement root, string name, Uri documentUrl)
    {
        if (!root.TryGetProperty(name, out var array) || array.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (array.ValueKind != JsonValueKind.Array || array.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
        {
            throw Malformed(documentUrl, $"has a {name} that is not an array of strings");
        }

        return [.. array.EnumerateArray().Select(e => e.GetString()!)];
    }

    // No status code: the answer was a 200, and discovery falls back to the CapabilityStatement only for a missing document.
    private static FhirBulkException Malformed(Uri documentUrl, string what) =>
        new($"The SMART configuration at {documentUrl} {what}.", null, documentUrl, null, isTransient: false);
}
