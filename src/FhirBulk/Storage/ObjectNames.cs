namespace FhirBulk.Storage;

/// <summary>
/// The one rule for object names (relative to a location, <c>/</c>-separated), the same for every store, so that a name
/// valid in a local folder is valid in a bucket and cannot climb out of its location.
/// </summary>
internal static class ObjectNames
{
    /// <summary>S3's key limit is 1024 bytes of UTF-8; Azure's blob name limit is larger.</summary>
    private const int MaxBytes = 1024;

    /// <summary>What is wrong with a name or prefix, or <see langword="null"/> when nothing is.</summary>
    public static string? Problem(string name)
    {
        if (name.Length == 0)
        {
            return "is empty";
        }

        if (name.StartsWith('/') || name.Contains("//", StringComparison.Ordinal))
        {
            return "has an empty path segment (a leading or doubled '/')";
        }

        if (name.Contains('\\', StringComparison.Ordinal) || name.Any(char.IsControl))
        {
            return "holds a backslash or a control character";
        }

        if (name.Split('/').Any(segment => segment is "." or ".."))
        {
            return "has a '.' or '..' segment";
        }

        return System.Text.Encoding.UTF8.GetByteCount(name) > MaxBytes ? $"is longer than {MaxBytes} bytes" : null;
    }

    /// <summary>Returns <paramref name="name"/>, or throws naming the location when it is not a valid object name.</summary>
    /// <exception cref="StorageException">The name is not valid.</exception>
    public static string Validate(string name, StorageLocation location) =>
        Problem(name) is { } problem ? throw new StorageException(location.ToString(), $"object name '{name}' in {location} {problem}") : name;

    /// <summary>A listing prefix: empty, or a valid name start (it may end with '/').</summary>
    /// <exception cref="StorageException">The prefix is not valid.</exception>
    public static string ValidatePrefix(string prefix, StorageLocation location)
    {
        if (prefix.Length > 0)
        {
            Validate(prefix.EndsWith('/') ? prefix[..^1] : prefix, location);
        }

        return prefix;
    }
}
