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

    internal static SmartConfiguration Parse(JsonElement root, Uri documentUrl) => new(
        root.TryGetProperty("token_endpoint", out var token) && token.ValueKind == JsonValueKind.String ? new Uri(documentUrl, token.GetString()) : null,
        Strings(root, "token_endpoint_auth_signing_alg_values_supported"),
        Strings(root, "scopes_supported"),
        Strings(root, "capabilities"),
        FromCapabilityStatement: false);

    internal static SmartConfiguration? FromCapability(JsonElement capability, Uri documentUrl)
    {
        if (!capability.TryGetProperty("rest", out var rests) || rests.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (var rest in rests.EnumerateArray())
        {
            if (!rest.TryGetProperty("security", out var security) || !security.TryGetProperty("extension", out var extensions) || extensions.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            foreach (var extension in extensions.EnumerateArray())
            {
                if (!extension.TryGetProperty("url", out var url) || !url.ValueEquals(OAuthUrisExtension) || !extension.TryGetProperty("extension", out var uris))
                {
                    continue;
                }

                foreach (var uri in uris.EnumerateArray())
                {
                    if (uri.TryGetProperty("url", out var name) && name.ValueEquals("token") && uri.TryGetProperty("valueUri", out var value))
                    {
                        return new SmartConfiguration(new Uri(documentUrl, value.GetString()), [], [], [], FromCapabilityStatement: true);
                    }
                }
            }
        }

        return null;
    }

    private static string[] Strings(JsonElement root, string name) =>
        root.TryGetProperty(name, out var array) && array.ValueKind == JsonValueKind.Array
            ? [.. array.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!)]
            : [];
}
