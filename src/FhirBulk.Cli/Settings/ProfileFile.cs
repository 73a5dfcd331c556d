using System.Text.Json;
using System.Text.Json.Serialization;
using FhirBulk.Cli.Rendering;

namespace FhirBulk.Cli.Settings;

/// <summary>
/// Named connection profiles, so that a user types <c>--profile sandbox</c> instead of five options.
/// </summary>
/// <remarks>
/// The file is JSON: <c>{"profiles": {"default": {"server": "...", "clientId": "...",
/// "keyFile": "...", "kid": "...", "scope": "...", "caBundle": "..."}}}</c>. A profile names the
/// key by path only: a private key pasted into a settings file is how keys end up in backups and
/// repositories, so any other member (such as <c>privateKey</c>) is refused with its name.
/// Relative paths are resolved against the profile file's folder.
/// </remarks>
internal sealed class ProfileFile
{
    public const string DefaultProfileName = "default";

    [JsonPropertyName("profiles")]
    public Dictionary<string, Profile> Profiles { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Where the profile file lives unless <c>FHIR_BULK_PROFILE_FILE</c> says otherwise.</summary>
    public static string DefaultPath(Func<string, string?> environment)
    {
        var configHome = environment("XDG_CONFIG_HOME");
        if (string.IsNullOrEmpty(configHome))
        {
            configHome = Path.Combine(
                System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), ".config");
        }

        return Path.Combine(configHome, "fhir-bulk", "profiles.json");
    }

    public static ProfileFile Load(string path)
    {
        var json = File.ReadAllBytes(path);

        // Editors on Windows save UTF-8 with a byte-order mark, which JSON (RFC 8259 §8.1) lets a parser ignore.
        if (json.AsSpan().StartsWith("\uFEFF"u8))
        {
            json = json[3..];
        }

        try
        {
            var file = JsonSerializer.Deserialize(json, SerializerOptions.TypeInfo<ProfileFile>())
                ?? throw new CliException($"profile file {path} holds null, not an object with profiles.", ExitCodes.InvalidInput);
            var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
            foreach (var profile in file.Profiles.Values)
            {
                profile.ResolvePaths(folder);
            }

            return file;
        }
        catch (JsonException e)
        {
            throw new CliException($"profile file {Describe(path, json, e)}", ExitCodes.InvalidInput, e);
        }
    }

    /// <summary>
    /// Where (file:line:column, counted from 1, at the start of the offending token, and the JSON path) and what, in a
    /// user's words: System.Text.Json counts from 0, stops past the token, and names .NET types and reader states.
    /// </summary>
    private static string Describe(string path, byte[] json, JsonException exception)
    {
        var message = ErrorText.WithoutPosition(exception);
        if (message.Contains("does not contain any JSON tokens", StringComparison.Ordinal))
        {
            return $"{path} is empty: it needs {{\"profiles\": {{\"default\": {{\"server\": \"...\"}}}}}}.";
        }

        if (message.Contains("Expected depth to be zero", StringComparison.Ordinal) || message.Contains("reached end of data", StringComparison.Ordinal))
        {
            return $"{path} ends before its JSON is complete (an object, array or string is not closed).";
        }

        var unknownMember = message.Contains("could not be mapped", StringComparison.Ordinal);
        var wrongType = message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal);
        var token = (unknownMember || wrongType) && exception.Path is { Length: > 0 } tokenPath
            ? JsonTokenPositions.Find(json, tokenPath, memberName: unknownMember)
            : null;
        var where = token is { } found ? $"{path}:{found.Line}:{found.Column}"
            : exception.LineNumber is { } line ? $"{path}:{line + 1}:{(exception.BytePositionInLine ?? 0) + 1}"
            : path;
        var what = unknownMember ? "unknown member (a profile has server, clientId, keyFile, kid, scope and caBundle; a key is named by its file)"
            : wrongType ? "a value of the wrong type"
            : message;
        return exception.Path is { Length: > 0 } jsonPath ? $"{where}: {jsonPath}: {what}" : $"{where}: {what}";
    }

    private static readonly JsonSerializerOptions SerializerOptions = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        TypeInfoResolver = CliJson.Default,
    };
}

/// <summary>One named set of connection settings in a <see cref="ProfileFile"/>.</summary>
internal sealed class Profile
{
    public string? Server { get; init; }

    public string? ClientId { get; init; }

    public string? KeyFile { get; set; }

    public string? Kid { get; init; }

    public string? Scope { get; init; }

    public string? CaBundle { get; set; }

    internal void ResolvePaths(string folder)
    {
        KeyFile = KeyFile is null ? null : Path.GetFullPath(KeyFile, folder);
        CaBundle = CaBundle is null ? null : Path.GetFullPath(CaBundle, folder);
    }
}
