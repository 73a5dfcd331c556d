using System.CommandLine;
using FhirBulk.Export;

namespace FhirBulk.Cli.Settings;

/// <summary>
/// Merges connection settings from, in order of precedence: command-line options, <c>FHIR_BULK_*</c>
/// environment variables, the selected profile and, when an export is carried on, what its folder
/// recorded and then the implicit <c>default</c> profile. Secrets come only from a file path or the
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

    /// <summary>Merges the settings for one command.</summary>
    /// <param name="parseResult">The parsed command line.</param>
    /// <param name="options">The connection options of the command.</param>
    /// <param name="folder">
    /// What an export folder recorded, when the command carries on (or cancels) the export in it: a source of settings
    /// below an explicitly selected profile and above the implicit <c>default</c> one (see <see cref="Layers"/>).
    /// </param>
    public ConnectionSettings Resolve(ParseResult parseResult, ConnectionOptions options, ExportFolderSettings? folder = null)
    {
        var sources = Layers(parseResult.GetValue(options.Profile), folder);

        string? Pick(Option<string?> option, string variable, Func<Profile, string?> member) =>
            NullIfEmpty(parseResult.GetValue(option)) ?? NullIfEmpty(environment(variable))
            ?? new[] { sources.Selected, sources.Recorded, sources.Fallback }
                .Select(p => p is null ? null : NullIfEmpty(member(p)))
                .FirstOrDefault(v => v is not null);

        var server = Pick(options.Server, ServerVariable, p => p.Server)
            ?? throw new CliException(
                $"no FHIR server given: use --server URL, set {ServerVariable}, or add \"server\" to a profile.",
                ExitCodes.Usage);
        if (CarriesUserInfo(server))
        {
            // Said without repeating the URL: its password would land in the terminal, a CI log, the export's state and
            // log.ndjson, where the docs promise no secret ever goes (as storage locations refuse credentials).
            var source = NullIfEmpty(parseResult.GetValue(options.Server)) is not null ? "--server"
                : NullIfEmpty(environment(ServerVariable)) is not null ? ServerVariable
                : sources.Selected?.Server is { Length: > 0 } ? "the profile's \"server\""
                : "the server this export folder recorded";
            throw new CliException(
                $"{source}: FHIR server URLs must not carry credentials (user:password@); a client signs in with --client-id and --key (SMART Backend Services), never in the URL.",
                ExitCodes.Usage);
        }

        if (!Uri.TryCreate(server, UriKind.Absolute, out var serverUri)
            || (serverUri.Scheme != Uri.UriSchemeHttp && serverUri.Scheme != Uri.UriSchemeHttps))
        {
            throw new CliException($"--server '{server}' is not an absolute http(s) URL.", ExitCodes.Usage);
        }

        var clientId = Pick(options.ClientId, ClientIdVariable, p => p.ClientId);
        var key = ResolveKey(
            NullIfEmpty(parseResult.GetValue(options.Key)) ?? NullIfEmpty(environment(KeyFileVariable)) ?? NullIfEmpty(sources.Selected?.KeyFile),
            sources.Fallback,
            folder);
        if (clientId is not null && key.File is null && key.Text is null)
        {
            throw new CliException(
                $"--client-id is set but no private key: use --key FILE, or set {KeyFileVariable} or {PrivateKeyVariable}.",
                ExitCodes.Usage);
        }

        var caBundle = Pick(options.CaBundle, CaBundleVariable, p => p.CaBundle);
        if (caBundle is not null && !File.Exists(caBundle))
        {
            throw new CliException($"CA bundle not found: {caBundle}", ExitCodes.InvalidInput);
        }

        return new ConnectionSettings(
            serverUri,
            clientId,
            key.File,
            key.Text,
            NullIfEmpty(parseResult.GetValue(options.Kid)) ?? NullIfEmpty(environment(KidVariable)) ?? NullIfEmpty(sources.Selected?.Kid) ?? key.Kid,
            Pick(options.Scope, ScopeVariable, p => p.Scope),
            caBundle,
            parseResult.GetValue(options.Retries) is { } retries and >= 0 ? retries
                : parseResult.GetValue(options.Retries) is null ? null
                : throw new CliException("--retries must be 0 or more.", ExitCodes.Usage));
    }

    /// <summary>
    /// The sources below the environment, highest first: the selected profile, what <paramref name="folder"/> recorded,
    /// and the implicit <c>default</c> profile as a fallback.
    /// </summary>
    /// <remarks>
    /// An explicitly selected profile (<c>--profile</c>, <c>FHIR_BULK_PROFILE</c>) is a choice made for this run, so it
    /// overrides the folder. The implicit <c>default</c> profile is not: resuming an export of another server than the
    /// default one must just work, so that profile only fills in what the folder did not record (a folder written before
    /// settings were recorded), and only when it names the folder's own server: never another server's credentials.
    /// Without a folder, the implicit <c>default</c> profile is simply the selected one.
    /// </remarks>
    private (Profile? Selected, Profile? Recorded, Profile? Fallback) Layers(string? nameFromOption, ExportFolderSettings? folder)
    {
        var name = NullIfEmpty(nameFromOption) ?? NullIfEmpty(environment(ProfileVariable));
        var profile = LoadProfile(name);
        if (folder is null)
        {
            return (profile, null, null);
        }

        return name is not null
            ? (profile, Recorded(folder), null)
            : (null, Recorded(folder), SameServer(profile?.Server, folder.Server) ? profile : null);
    }

    /// <summary>
    /// The private key: a key file given explicitly (option, environment, selected profile); else the key text in
    /// <c>FHIR_BULK_PRIVATE_KEY</c>; else the key the folder recorded; else the fallback profile's. The <c>kid</c>
    /// recorded with a key goes with that key only.
    /// </summary>
    private (string? File, string? Text, string? Kid) ResolveKey(string? file, Profile? fallback, ExportFolderSettings? folder)
    {
        string? kid = null;
        if (file is null)
        {
            if (NullIfEmpty(environment(PrivateKeyVariable)) is { } text)
            {
                return (null, text, folder is { SigningKeyFromText: true } ? folder.SigningKeyId : null);
            }

            if (folder is { SigningKeyFromText: true })
            {
                throw new CliException(
                    $"this export was made with the key in {PrivateKeyVariable}, which is never written down: set {PrivateKeyVariable} again (or use --key FILE).",
                    ExitCodes.Usage);
            }

            if (folder?.SigningKeyPath is { } recorded)
            {
                return File.Exists(recorded)
                    ? (recorded, null, folder.SigningKeyId)
                    : throw new CliException($"the key file this export was made with is gone: {recorded}; use --key FILE.", ExitCodes.InvalidInput);
            }

            (file, kid) = (fallback?.KeyFile, fallback?.Kid);
        }

        return file is null ? (null, null, null)
            : File.Exists(file) ? (file, null, kid)
            : throw new CliException($"key file not found: {file}", ExitCodes.InvalidInput);
    }

    /// <summary>Whether the URL's authority (what precedes the path) holds user info, parsable as a URL or not.</summary>
    private static bool CarriesUserInfo(string url)
    {
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        var authority = url[(scheme < 0 ? 0 : scheme + 3)..];
        var end = authority.IndexOfAny(['/', '?', '#']);
        return (end < 0 ? authority : authority[..end]).Contains('@', StringComparison.Ordinal);
    }

    /// <summary>The folder's settings as a source like a profile; its key and kid go through <see cref="ResolveKey"/>.</summary>
    private static Profile Recorded(ExportFolderSettings folder) => new()
    {
        Server = folder.Server.AbsoluteUri,
        ClientId = folder.ClientId,
        Scope = folder.Scope,
        CaBundle = folder.CaBundlePath,
    };

    private static bool SameServer(string? profileServer, Uri folderServer) =>
        Uri.TryCreate(profileServer, UriKind.Absolute, out var uri)
        && string.Equals(uri.AbsoluteUri.TrimEnd('/'), folderServer.AbsoluteUri.TrimEnd('/'), StringComparison.Ordinal);

    private Profile? LoadProfile(string? name)
    {
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
