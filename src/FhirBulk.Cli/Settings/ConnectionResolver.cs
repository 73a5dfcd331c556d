using System.CommandLine;

namespace FhirBulk.Cli.Settings;

/// <summary>
/// Merges connection settings from, in order of precedence: command-line options, <c>FHIR_BULK_*</c>
/// environment variables, and the selected profile. Secrets come only from a file path or the
/// environment, never from an option value (it would sit in shell history and <c>ps</c> output).
/// </summary>
internal sealed class ConnectionResolver(Func<string, string?> environment)
{
    public const string ServerVariable = "FHIR_BULK_SERVER";
    public const string ClientIdVariable = "FHIR_BULK_CLIENT_ID";
    public const string KeyFileVariable = "FHIR_BULK_KEY_FILE";
    public const string PrivateKeyVariable = "FHIR_BULK_PRIVATE_KEY";
    public const string KidVariable = "FHIR_BULK_KID";
    public const string ScopeVariable = "FHIR_BULK_SCOPE";
    public const string CaBundleVariable = "FHIR_BULK_CA_BUNDLE";
    public const string ProfileVariable = "FHIR_BULK_PROFILE";
    public const string ProfileFileVariable = "FHIR_BULK_PROFILE_FILE";

    public ConnectionSettings Resolve(ParseResult parseResult, ConnectionOptions options)
    {
        var profile = LoadProfile(parseResult.GetValue(options.Profile));

        string? Pick(Option<string?> option, string variable, string? fromProfile) =>
            NullIfEmpty(parseResult.GetValue(option)) ?? NullIfEmpty(environment(variable)) ?? NullIfEmpty(fromProfile);

        var server = Pick(options.Server, ServerVariable, profile?.Server)
            ?? throw new CliException(
                $"no FHIR server given: use --server URL, set {ServerVariable}, or add \"server\" to a profile.",
                ExitCodes.Usage);
        if (!Uri.TryCreate(server, UriKind.Absolute, out var serverUri)
            || (serverUri.Scheme != Uri.UriSchemeHttp && serverUri.Scheme != Uri.UriSchemeHttps))
        {
            throw new CliException($"--server '{server}' is not an absolute http(s) URL.", ExitCodes.Usage);
        }

        var keyFile = Pick(options.Key, KeyFileVariable, profile?.KeyFile);
        var privateKey = keyFile is null ? NullIfEmpty(environment(PrivateKeyVariable)) : null;
        var clientId = Pick(options.ClientId, ClientIdVariable, profile?.ClientId);
        if (clientId is not null && keyFile is null && privateKey is null)
        {
            throw new CliException(
                $"--client-id is set but no private key: use --key FILE, or set {KeyFileVariable} or {PrivateKeyVariable}.",
                ExitCodes.Usage);
        }

        if (keyFile is not null && !File.Exists(keyFile))
        {
            throw new CliException($"key file not found: {keyFile}", ExitCodes.InvalidInput);
        }

        var caBundle = Pick(options.CaBundle, CaBundleVariable, profile?.CaBundle);
        if (caBundle is not null && !File.Exists(caBundle))
        {
            throw new CliException($"CA bundle not found: {caBundle}", ExitCodes.InvalidInput);
        }

        return new ConnectionSettings(
            serverUri,
            clientId,
            keyFile,
            privateKey,
            Pick(options.Kid, KidVariable, profile?.Kid),
            Pick(options.Scope, ScopeVariable, profile?.Scope),
            caBundle,
            parseResult.GetValue(options.Retries) is { } retries and >= 0 ? retries
                : parseResult.GetValue(options.Retries) is null ? null
                : throw new CliException("--retries must be 0 or more.", ExitCodes.Usage));
    }

    private Profile? LoadProfile(string? nameFromOption)
    {
        var name = NullIfEmpty(nameFromOption) ?? NullIfEmpty(environment(ProfileVariable));
        var path = NullIfEmpty(environment(ProfileFileVariable)) ?? ProfileFile.DefaultPath(environment);
        if (!File.Exists(path))
        {
            // Only a profile asked for by name must exist; without one, no file means no defaults.
            return name is null
                ? null
                : throw new CliException($"profile '{name}' asked for, but there is no profile file at {path}.");
        }

        var file = ProfileFile.Load(path);
        if (file.Profiles.TryGetValue(name ?? ProfileFile.DefaultProfileName, out var profile))
        {
            return profile;
        }

        return name is null
            ? null
            : throw new CliException(
                $"profile '{name}' is not in {path}; it has: {string.Join(", ", file.Profiles.Keys)}.");
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
