using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;

namespace FhirBulk.Server.Auth;

/// <summary>Registered clients: from a clients file at start-up and from dev registration at run time.</summary>
internal sealed class ClientRegistry
{
    private readonly ConcurrentDictionary<string, RegisteredClient> _clients = new(StringComparer.Ordinal);

    public bool TryGet(string clientId, out RegisteredClient client) => _clients.TryGetValue(clientId, out client!);

    /// <summary>Registers a client and returns its new, unguessable client_id.</summary>
    public string Register(string? jwksJson, Uri? jwksUrl, string? allowedScopes)
    {
        var keys = jwksJson is null ? null : ParseKeySet(jwksJson);
        if (keys is null && jwksUrl is null)
        {
            throw new ArgumentException("A client needs a JWKS or a JWKS URL.");
        }

        var clientId = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(18));
        Add(clientId, keys, jwksUrl, allowedScopes);
        return clientId;
    }

    public void Add(string clientId, JsonWebKeySet? keys, Uri? jwksUrl, string? allowedScopes)
    {
        var scopes = allowedScopes is null ? ScopeSet.DefaultAllowed : ScopeSet.Parse(allowedScopes);
        if (!_clients.TryAdd(clientId, new RegisteredClient(clientId, keys, jwksUrl, scopes)))
        {
            throw new ArgumentException($"Client '{clientId}' is already registered.");
        }
    }

    /// <summary>
    /// Parses a JWKS and keeps only public keys usable for RS384/ES384 signatures; a JWKS holding no such
    /// key is rejected so a mistake surfaces at registration, not at the first token request.
    /// </summary>
    public static JsonWebKeySet ParseKeySet(string json)
    {
        JsonWebKeySet set;
        try
        {
            set = new JsonWebKeySet(json);
        }
        catch (ArgumentException exception)
        {
            throw new ArgumentException($"The JWKS is not valid JSON Web Key Set JSON: {exception.Message}", exception);
        }

        if (!set.Keys.Any(k => k.Kty is JsonWebAlgorithmsKeyTypes.RSA or JsonWebAlgorithmsKeyTypes.EllipticCurve))
        {
            throw new ArgumentException("The JWKS has no RSA or EC key.");
        }

        return set;
    }

    /// <summary>Loads a clients file: a JSON array (or <c>{"clients": [...]}</c>) of <c>{client_id, jwks | jwks_url, scope}</c>.</summary>
    /// <exception cref="FormatException">The file or one of its entries is unusable; the message names the file and the entry.</exception>
    public void LoadFile(string path)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException exception)
        {
            throw new FormatException($"clients file '{path}' is not JSON: {exception.Message}", exception);
        }

        using (document)
        {
            var root = document.RootElement;
            var clients = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("clients", out var list) ? list : root;
            if (clients.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException($"clients file '{path}' must hold a JSON array of clients.");
            }

            var index = 0;
            foreach (var entry in clients.EnumerateArray())
            {
                try
                {
                    AddEntry(entry);
                }
                catch (Exception exception) when (exception is FormatException or ArgumentException or InvalidOperationException)
                {
                    // A missing field, a bad JWKS or scope, a duplicate id or a field of the wrong JSON kind: say which entry.
                    throw new FormatException($"clients file '{path}', entry {index}: {exception.Message}", exception);
                }

                index++;
            }
        }
    }

    private void AddEntry(JsonElement entry)
    {
        if (!entry.TryGetProperty("client_id", out var id) || id.ValueKind != JsonValueKind.String)
        {
            throw new FormatException("'client_id' (string) is required.");
        }

        JsonWebKeySet? keys = null;
        if (entry.TryGetProperty("jwks", out var jwks))
        {
            keys = ParseKeySet(jwks.ValueKind == JsonValueKind.String ? jwks.GetString()! : jwks.GetRawText());
        }

        Uri? url = null;
        if (entry.TryGetProperty("jwks_url", out var jwksUrl) && !Uri.TryCreate(jwksUrl.GetString(), UriKind.Absolute, out url))
        {
            throw new FormatException("'jwks_url' is not an absolute URL.");
        }

        if (keys is null && url is null)
        {
            throw new FormatException("'jwks' or 'jwks_url' is required.");
        }

        var scope = entry.TryGetProperty("scope", out var s) ? s.GetString() : null;
        Add(id.GetString()!, keys, url, scope);
    }
}
