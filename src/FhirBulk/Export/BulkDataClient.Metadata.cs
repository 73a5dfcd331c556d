using System.Runtime.CompilerServices;
using System.Text.Json;
using FhirBulk.Auth;
using FhirBulk.Diagnostics;
using FhirBulk.Http;

namespace FhirBulk.Export;

/// <summary>Discovery: CapabilityStatement, SMART configuration, server summary, Groups.</summary>
public sealed partial class BulkDataClient
{
    /// <summary>Reads the server's CapabilityStatement (<c>[base]/metadata</c>).</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The CapabilityStatement JSON.</returns>
    /// <exception cref="AuthenticationException">The token was refused.</exception>
    /// <exception cref="FhirBulkException">The server failed, answered something other than JSON, or did not answer within the retries.</exception>
    public async Task<JsonElement> GetCapabilityStatementAsync(CancellationToken cancellationToken = default)
    {
        using var document = await GetJsonAsync(new Uri(BaseUri, "metadata"), withToken: false, "capability statement", cancellationToken).ConfigureAwait(false);
        return document.RootElement.Clone();
    }

    /// <summary>
    /// Reads <c>[base]/.well-known/smart-configuration</c>, falling back to the CapabilityStatement's oauth-uris extension
    /// when it is missing; the result is cached.
    /// </summary>
    /// <param name="cancellationToken">Cancels the requests.</param>
    /// <returns>The configuration, or <see langword="null"/> when the server advertises no authorization (an open server).</returns>
    /// <exception cref="AuthenticationException">The token was refused when the fallback read the CapabilityStatement.</exception>
    /// <exception cref="FhirBulkException">The server failed, answered something other than JSON, or did not answer within the retries.</exception>
    public async Task<SmartConfiguration?> GetSmartConfigurationAsync(CancellationToken cancellationToken = default)
    {
        if (_smartConfiguration is not null)
        {
            return _smartConfiguration;
        }

        await _discoveryGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _smartConfiguration ??= await DiscoverAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _discoveryGate.Release();
        }
    }

    /// <summary>Summarizes the server for <c>fhir-bulk info</c>.</summary>
    /// <param name="cancellationToken">Cancels the requests.</param>
    /// <returns>FHIR version, export levels and parameters, formats, and the authorization configuration.</returns>
    /// <exception cref="AuthenticationException">The token was refused.</exception>
    /// <exception cref="FhirBulkException">The server failed, answered something other than JSON, or did not answer within the retries.</exception>
    public async Task<ServerSummary> GetServerSummaryAsync(CancellationToken cancellationToken = default)
    {
        var capability = await GetCapabilityStatementAsync(cancellationToken).ConfigureAwait(false);
        var smart = await GetSmartConfigurationAsync(cancellationToken).ConfigureAwait(false);
        var levels = new SortedSet<string>(StringComparer.Ordinal);
        var operationNames = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var rest in Array(capability, "rest"))
        {
            if (Array(rest, "operation").Any(IsExport))
            {
                levels.Add("system");
            }

            foreach (var resource in Array(rest, "resource"))
            {
                if (Array(resource, "operation").Any(IsExport) && Text(resource, "type") is { } type && type is "Patient" or "Group")
                {
                    levels.Add(type.ToLowerInvariant());
                }
            }

            foreach (var operation in Array(rest, "operation").Concat(Array(rest, "resource").SelectMany(r => Array(r, "operation"))))
            {
                if (IsExport(operation) && Text(operation, "definition") is { } definition)
                {
                    operationNames.Add(definition);
                }
            }
        }

        var software = capability.TryGetProperty("software", out var s) ? string.Join(' ', new[] { Text(s, "name"), Text(s, "version") }.Where(t => t is not null)) : null;
        return new ServerSummary(BaseUri, string.IsNullOrEmpty(software) ? null : software, Text(capability, "fhirVersion"), [.. levels], [.. operationNames], [.. Array(capability, "format").Select(f => f.GetString()!)], smart);

        static bool IsExport(JsonElement operation) => Text(operation, "name") is "export" or "$export";
    }

    /// <summary>Lists the server's Groups (<c>GET [base]/Group</c>, following <c>next</c> links).</summary>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <returns>Each Group's id, name and member count.</returns>
    /// <exception cref="AuthenticationException">The token was refused (thrown while enumerating).</exception>
    /// <exception cref="FhirBulkException">The server failed a page, answered something other than JSON, or did not answer within the retries (thrown while enumerating).</exception>
    public IAsyncEnumerable<GroupInfo> ListGroupsAsync(CancellationToken cancellationToken = default) => ListGroupsCoreAsync(cancellationToken);

    private async IAsyncEnumerable<GroupInfo> ListGroupsCoreAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Uri? next = new(BaseUri, "Group");
        var seen = new HashSet<Uri>();
        while (next is not null && seen.Add(next))
        {
            using var bundle = await GetJsonAsync(next, withToken: true, "group search", cancellationToken).ConfigureAwait(false);
            foreach (var entry in Array(bundle.RootElement, "entry"))
            {
                if (entry.TryGetProperty("resource", out var group) && Text(group, "id") is { } id)
                {
                    int? members = group.TryGetProperty("quantity", out var quantity) && quantity.TryGetInt32(out var q) ? q
                        : group.TryGetProperty("member", out var list) && list.ValueKind == JsonValueKind.Array ? list.GetArrayLength() : null;
                    yield return new GroupInfo(id, Text(group, "name"), members);
                }
            }

            var link = Array(bundle.RootElement, "link").FirstOrDefault(l => Text(l, "relation") == "next");
            next = link.ValueKind == JsonValueKind.Object && Text(link, "url") is { } url ? new Uri(BaseUri, url) : null;
        }
    }

    /// <summary>Reads one resource (<c>GET [base]/Type/id</c>): a Group, say, to learn its membership now.</summary>
    /// <param name="resourceType">The resource type, e.g. <c>Group</c>.</param>
    /// <param name="id">The resource's id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The resource.</returns>
    /// <exception cref="ArgumentException"><paramref name="resourceType"/> or <paramref name="id"/> is <see langword="null"/> or empty.</exception>
    /// <exception cref="AuthenticationException">The token was refused.</exception>
    /// <exception cref="FhirBulkException">The server failed or does not know the resource (404, its OperationOutcome attached).</exception>
    public async Task<JsonElement> ReadResourceAsync(string resourceType, string id, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(resourceType);
        ArgumentException.ThrowIfNullOrEmpty(id);
        using var document = await GetJsonAsync(new Uri(BaseUri, $"{Uri.EscapeDataString(resourceType)}/{Uri.EscapeDataString(id)}"), withToken: true, $"read of {resourceType}/{id}", cancellationToken).ConfigureAwait(false);
        return document.RootElement.Clone();
    }

    private async Task<SmartConfiguration?> DiscoverAsync(CancellationToken cancellationToken)
    {
        var wellKnown = SmartConfigurationUrl;
        SmartConfiguration? configuration = null;
        try
        {
            // A 200 that is not JSON, or JSON that is not a SMART configuration, fails here like a malformed manifest (no
            // status on the exception, so it is not taken for a missing document): falling back would hide the server's fault.
            using var document = await GetJsonAsync(wellKnown, withToken: false, "SMART configuration", cancellationToken).ConfigureAwait(false);
            configuration = SmartConfiguration.Parse(document.RootElement, wellKnown);
            if (configuration.TokenEndpoint is not null)
            {
                return configuration;
            }
        }
        catch (FhirBulkException exception) when (exception is not AuthenticationException && exception.StatusCode is { } status && (int)status is >= 400 and < 500)
        {
            Log.DiscoveryFallback(_logger, wellKnown, exception.Message);
        }

        // The CapabilityStatement may name the token endpoint a smart-configuration left out; without either, the document
        // (if there was one) is what the client has, and TokenEndpointAsync names its missing field when one is needed.
        var capability = await GetCapabilityStatementAsync(cancellationToken).ConfigureAwait(false);
        return SmartConfiguration.FromCapability(capability, new Uri(BaseUri, "metadata")) ?? configuration;
    }

    private Uri SmartConfigurationUrl => new(BaseUri, ".well-known/smart-configuration");

    private async Task<Uri> TokenEndpointAsync(CancellationToken cancellationToken) =>
        await GetSmartConfigurationAsync(cancellationToken).ConfigureAwait(false) switch
        {
            { TokenEndpoint: { } endpoint } => endpoint,
            // Answered, but without the field the SMART App Launch specification requires: the server's fault (exit 5), not the credentials'.
            { FromCapabilityStatement: false } => throw new FhirBulkException($"The SMART configuration at {SmartConfigurationUrl} has no token_endpoint (nor does the CapabilityStatement), but credentials were given.", null, SmartConfigurationUrl, null, isTransient: false),
            _ => throw new AuthenticationException($"{BaseUri} advertises no token endpoint (no .well-known/smart-configuration, and none in the CapabilityStatement), but credentials were given (an open server needs none).", null, null, null, BaseUri),
        };

    private static IEnumerable<JsonElement> Array(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var array) && array.ValueKind == JsonValueKind.Array ? array.EnumerateArray() : [];

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
