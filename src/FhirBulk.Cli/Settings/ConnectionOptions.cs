using System.CommandLine;

namespace FhirBulk.Cli.Settings;

/// <summary>
/// The options every command that talks to a FHIR server shares. Each one falls back to an
/// environment variable and then to the selected profile (see <see cref="ConnectionResolver"/>).
/// </summary>
internal sealed class ConnectionOptions
{
    public Option<string?> Server { get; } = new("--server", "-s")
    {
        Description = "FHIR base URL, e.g. http://127.0.0.1:5080/fhir. [env: FHIR_BULK_SERVER]",
        HelpName = "URL",
    };

    public Option<string?> ClientId { get; } = new("--client-id")
    {
        Description = "SMART Backend Services client_id. Leave out for an open (no-auth) server. [env: FHIR_BULK_CLIENT_ID]",
        HelpName = "ID",
    };

    public Option<string?> Key { get; } = new("--key")
    {
        Description = "Private key file: PEM (PKCS#1, PKCS#8, SEC1), a JWK or a JWKS. [env: FHIR_BULK_KEY_FILE, or the key itself in FHIR_BULK_PRIVATE_KEY]",
        HelpName = "FILE",
    };

    public Option<string?> Kid { get; } = new("--kid")
    {
        Description = "Key id to put in the assertion header when the key file does not carry one (a PEM). [env: FHIR_BULK_KID]",
        HelpName = "KID",
    };

    public Option<string?> Scope { get; } = new("--scope")
    {
        Description = "Scopes to request. Default: system/*.read (SMART v2: system/*.rs). [env: FHIR_BULK_SCOPE]",
        HelpName = "SCOPES",
    };

    public Option<string?> CaBundle { get; } = new("--ca-bundle")
    {
        Description = "PEM file of extra CA certificates to trust (a corporate proxy). TLS verification is never switched off. [env: FHIR_BULK_CA_BUNDLE]",
        HelpName = "FILE",
    };

    public Option<string?> Profile { get; } = new("--profile")
    {
        Description = "Named profile from the profile file (~/.config/fhir-bulk/profiles.json, or FHIR_BULK_PROFILE_FILE). [env: FHIR_BULK_PROFILE]",
        HelpName = "NAME",
    };

    public Option<int?> Retries { get; } = new("--retries")
    {
        Description = "How often a failed request (connection error, 5xx, 429) is retried, with backoff. Default: 6.",
        HelpName = "N",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Retries);
        command.Options.Add(Server);
        command.Options.Add(ClientId);
        command.Options.Add(Key);
        command.Options.Add(Kid);
        command.Options.Add(Scope);
        command.Options.Add(CaBundle);
        command.Options.Add(Profile);
    }
}
