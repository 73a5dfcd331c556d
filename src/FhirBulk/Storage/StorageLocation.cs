namespace FhirBulk.Storage;

/// <summary>
/// Where objects live: a local folder, <c>s3://bucket/prefix</c>, <c>az://container/prefix</c> or
/// <c>https://ACCOUNT.blob.core.windows.net/container/prefix</c>. Parsed here and nowhere else; a location never carries a
/// credential (one in the URL is refused, so that no secret is ever typed on a command line).
/// </summary>
/// <remarks>The prefix is a folder: it is empty or ends with <c>/</c>, and object names are relative to it.</remarks>
public sealed class StorageLocation : IEquatable<StorageLocation>
{
    private const string Forms = "a local path, s3://bucket/prefix, az://container/prefix or https://ACCOUNT.blob.core.windows.net/container/prefix";

    // Public clouds' blob endpoints (https://learn.microsoft.com/azure/storage/common/storage-account-overview#standard-endpoints).
    private static readonly string[] AzureBlobHostSuffixes = [".blob.core.windows.net", ".blob.core.usgovcloudapi.net", ".blob.core.chinacloudapi.cn"];

    private StorageLocation(StorageKind kind, string? container, string prefix, string? path, string? azureAccount, string? azureHost)
    {
        Kind = kind;
        Container = container;
        Prefix = prefix;
        Path = path;
        AzureAccount = azureAccount;
        AzureHost = azureHost;
    }

    /// <summary>The kind of store.</summary>
    public StorageKind Kind { get; }

    /// <summary>The S3 bucket or Azure container; <see langword="null"/> for a local folder.</summary>
    public string? Container { get; }

    /// <summary>The key prefix inside <see cref="Container"/>: empty, or ending with <c>/</c>; always empty for a local folder.</summary>
    public string Prefix { get; }

    /// <summary>The local folder's full path; <see langword="null"/> for object storage.</summary>
    public string? Path { get; }

    /// <summary>The Azure storage account, when the location was given as an <c>https://ACCOUNT.blob…</c> URL; <see langword="null"/> otherwise.</summary>
    public string? AzureAccount { get; }

    /// <summary>The blob endpoint's host (<c>ACCOUNT.blob.core.windows.net</c>), with <see cref="AzureAccount"/>.</summary>
    internal string? AzureHost { get; }

    /// <summary>Parses a location, throwing a one-line <see cref="StorageException"/> naming what is wrong.</summary>
    /// <param name="text">A local path, <c>file://</c> URL, <c>s3://bucket/prefix</c>, <c>az://container/prefix</c> or <c>https://ACCOUNT.blob.core.windows.net/container/prefix</c>.</param>
    /// <returns>The location.</returns>
    /// <exception cref="StorageException">The text is not one of those forms.</exception>
    public static StorageLocation Parse(string text) =>
        TryParse(text, out var location, out var error) ? location : throw new StorageException(Shown(text), error);

    /// <summary>Parses a location without throwing.</summary>
    /// <param name="text">As for <see cref="Parse"/>.</param>
    /// <param name="location">The location, when the text is one.</param>
    /// <param name="error">A one-line reason when it is not.</param>
    /// <returns>Whether <paramref name="text"/> is a location.</returns>
    public static bool TryParse(string? text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out StorageLocation? location, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        location = null;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = $"a storage location is empty; use {Forms}";
            return false;
        }

        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0)
        {
            return Local(text, out location, out error);
        }

        var scheme = text[..schemeEnd].ToLowerInvariant();
        var rest = text[(schemeEnd + 3)..];
        if (rest.Contains('@', StringComparison.Ordinal) || rest.Contains('?', StringComparison.Ordinal) || rest.Contains('#', StringComparison.Ordinal))
        {
            error = $"{scheme}:// locations must not carry credentials, a query (a SAS token) or a fragment; credentials come from the cloud's standard chain (see docs/storage.md)";
            return false;
        }

        switch (scheme)
        {
            case "file":
                return Uri.TryCreate(text, UriKind.Absolute, out var file) && file.IsFile
                    ? Local(file.LocalPath, out location, out error)
                    : Fail($"'{text}' is not a file:// URL", out error);
            case "s3":
                return Bucketed(StorageKind.S3, rest, null, null, IsBucketName, "an S3 bucket name (3-63 lowercase letters, digits, '.' or '-', starting and ending with a letter or digit)", text, out location, out error);
            case "az":
                return Bucketed(StorageKind.AzureBlob, rest, null, null, IsContainerName, ContainerRule, text, out location, out error);
            case "https":
                var slash = rest.IndexOf('/', StringComparison.Ordinal);
                var host = (slash < 0 ? rest : rest[..slash]).ToLowerInvariant();
                var suffix = Array.Find(AzureBlobHostSuffixes, s => host.EndsWith(s, StringComparison.Ordinal));
                if (suffix is null || !IsAccountName(host[..^suffix.Length]))
                {
                    return Fail($"'{text}' is not an Azure Blob URL (https://ACCOUNT.blob.core.windows.net/container/prefix); other https:// stores are not supported", out error);
                }

                return Bucketed(StorageKind.AzureBlob, slash < 0 ? "" : rest[(slash + 1)..], host[..^suffix.Length], host, IsContainerName, ContainerRule, text, out location, out error);
            default:
                return Fail($"unknown storage scheme '{scheme}://' in '{text}'; use {Forms}", out error);
        }
    }

    private const string ContainerRule = "an Azure container name (3-63 lowercase letters, digits or single '-', starting with a letter or digit)";

    /// <summary>The location's URL (or, for a local folder, its full path).</summary>
    /// <returns>E.g. <c>s3://bucket/exports/run1/</c>.</returns>
    public override string ToString() => Kind switch
    {
        StorageKind.Local => Path!,
        StorageKind.S3 => $"s3://{Container}/{Prefix}",
        _ when AzureHost is not null => $"https://{AzureHost}/{Container}/{Prefix}",
        _ => $"az://{Container}/{Prefix}",
    };

    /// <summary>The URL (or local path) of an object in this location, for messages and logs.</summary>
    /// <param name="name">The object's name relative to the location.</param>
    /// <returns>E.g. <c>s3://bucket/exports/run1/Patient.001.ndjson</c>.</returns>
    public string Describe(string name) =>
        Kind == StorageKind.Local ? System.IO.Path.Combine(Path!, name.Replace('/', System.IO.Path.DirectorySeparatorChar)) : ToString() + name;

    /// <summary>The location of a folder inside this one (an export's <c>tables/</c>, say).</summary>
    /// <param name="folder">A relative name such as <c>lake/Patient</c>; a trailing <c>/</c> is optional.</param>
    /// <returns>The nested location.</returns>
    public StorageLocation Combine(string folder)
    {
        var name = ObjectNames.Validate(folder.TrimEnd('/'), this);
        return Kind == StorageKind.Local
            ? new StorageLocation(Kind, null, "", Describe(name), null, null)
            : new StorageLocation(Kind, Container, Prefix + name + "/", null, AzureAccount, AzureHost);
    }

    /// <inheritdoc/>
    public bool Equals(StorageLocation? other) => other is not null && ToString() == other.ToString();

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as StorageLocation);

    /// <inheritdoc/>
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(ToString());

    private static bool Local(string text, out StorageLocation? location, out string? error)
    {
        try
        {
            location = new StorageLocation(StorageKind.Local, null, "", System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(text)), null, null);
            error = null;
            return true;
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            location = null;
            return Fail($"'{text}' is not a usable local path: {e.Message}", out error);
        }
    }

    private static bool Bucketed(StorageKind kind, string rest, string? account, string? host, Func<string, bool> isName, string rule, string text, out StorageLocation? location, out string? error)
    {
        location = null;
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var container = slash < 0 ? rest : rest[..slash];
        var prefix = slash < 0 ? "" : rest[(slash + 1)..];
        if (container.Length == 0)
        {
            return Fail($"'{text}' names no {(kind == StorageKind.S3 ? "bucket" : "container")}", out error);
        }

        if (!isName(container))
        {
            return Fail($"'{container}' in '{text}' is not {rule}", out error);
        }

        prefix = prefix.TrimEnd('/');
        if (prefix.Length > 0 && ObjectNames.Problem(prefix) is { } problem)
        {
            return Fail($"the prefix '{prefix}' in '{text}' {problem}", out error);
        }

        location = new StorageLocation(kind, container, prefix.Length == 0 ? "" : prefix + "/", null, account, host);
        error = null;
        return true;
    }

    private static bool Fail(string message, out string? error)
    {
        error = message;
        return false;
    }

    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html (general purpose buckets).
    private static bool IsBucketName(string name) =>
        name.Length is >= 3 and <= 63
        && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '-')
        && char.IsAsciiLetterOrDigit(name[0]) && char.IsAsciiLetterOrDigit(name[^1])
        && !name.Contains("..", StringComparison.Ordinal);

    // https://learn.microsoft.com/rest/api/storageservices/naming-and-referencing-containers--blobs--and-metadata#container-names
    private static bool IsContainerName(string name) =>
        name.Length is >= 3 and <= 63
        && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-')
        && char.IsAsciiLetterOrDigit(name[0]) && char.IsAsciiLetterOrDigit(name[^1])
        && !name.Contains("--", StringComparison.Ordinal);

    private static bool IsAccountName(string name) =>
        name.Length is >= 3 and <= 24 && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9'));

    // A rejected text may hold a secret (user:key@…, ?sig=…): the message names the location without it.
    private static string Shown(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        var at = text.IndexOf('@', StringComparison.Ordinal);
        if (schemeEnd >= 0 && at > schemeEnd)
        {
            text = text[..(schemeEnd + 3)] + "…@" + text[(at + 1)..];
        }

        var cut = text.IndexOfAny(['?', '#']);
        return cut < 0 ? text : text[..cut] + "…";
    }
}
