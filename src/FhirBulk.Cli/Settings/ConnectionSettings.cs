namespace FhirBulk.Cli.Settings;

/// <summary>Where a FHIR server is and how to authenticate to it, once every source is merged.</summary>
/// <param name="Server">The FHIR base URL.</param>
/// <param name="ClientId">The client_id, or <see langword="null"/> for an open server.</param>
/// <param name="KeyFile">The private key file, when the key comes from a file.</param>
/// <param name="PrivateKey">The private key text, when it comes from <c>FHIR_BULK_PRIVATE_KEY</c>.</param>
/// <param name="Kid">The key id to use when the key carries none.</param>
/// <param name="Scope">The scopes to request, or <see langword="null"/> for the library default.</param>
/// <param name="CaBundle">Extra CA certificates to trust, or <see langword="null"/>.</param>
/// <param name="Retries">Retries of a failed request, or <see langword="null"/> for the library default.</param>
internal sealed record ConnectionSettings(
    Uri Server,
    string? ClientId,
    string? KeyFile,
    string? PrivateKey,
    string? Kid,
    string? Scope,
    string? CaBundle,
    int? Retries = null)
{
    /// <summary><see langword="true"/> when a client id is set and the server will be asked for a token.</summary>
    public bool UsesAuthentication => ClientId is not null;

    // The key text must never reach a log, an exception message or --json output.
    public override string ToString() =>
        $"{Server} (client {ClientId ?? "none"}, key {KeyFile ?? (PrivateKey is null ? "none" : "from FHIR_BULK_PRIVATE_KEY")})";
}
