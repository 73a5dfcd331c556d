namespace FhirBulk.Cli.Commands;

/// <summary>Creates an output folder a command was given, failing in the user's terms instead of .NET's ("Could not find a part of the path").</summary>
internal static class OutputFolder
{
    /// <summary>Creates <paramref name="folder"/> (and its parents) unless it exists.</summary>
    /// <param name="folder">The full path.</param>
    /// <param name="option">The option that named it, for the message.</param>
    /// <returns>The outermost folder this call created (for <see cref="RemoveIfEmpty"/> after a failed run), or <see langword="null"/> when it existed.</returns>
    /// <exception cref="CliException">The folder cannot be created (exit 3), saying why and what to do.</exception>
    public static string? Create(string folder, string option)
    {
        string? outermost = null;
        for (var path = folder; !string.IsNullOrEmpty(path) && !Directory.Exists(path) && !File.Exists(path); path = Path.GetDirectoryName(path))
        {
            outermost = path;
        }

        try
        {
            Directory.CreateDirectory(folder);
            return outermost;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot create the folder {folder} ({option}): {Reason(folder, e)}; give {option} a folder you can write to.", ExitCodes.InvalidInput, e);
        }
    }

    /// <summary>
    /// Creates the folders above <paramref name="folder"/> but leaves the folder itself to a writer that makes it by moving
    /// its whole output into place (<c>generate</c>). The folder is made and removed again first: only making it shows that
    /// it can be made there (a file in the way, no permission, <c>/proc</c>), and that fails here, in the user's terms, before
    /// any work.
    /// </summary>
    /// <param name="folder">The full path.</param>
    /// <param name="option">The option that named it, for the message.</param>
    /// <returns>The outermost folder above <paramref name="folder"/> this call created (for <see cref="RemoveIfEmpty"/> after a failed run), or <see langword="null"/>.</returns>
    /// <exception cref="CliException">The folder cannot be created (exit 3), saying why and what to do.</exception>
    public static string? CreateParent(string folder, string option)
    {
        var created = Create(folder, option);
        if (created is null)
        {
            return null;
        }

        Directory.Delete(folder);
        return created == folder ? null : created;
    }

    /// <summary>
    /// Deletes <paramref name="created"/> when a failed run left nothing in it (a run that fails leaves its output as it
    /// was, and before it there was no folder); a folder holding any file is kept.
    /// </summary>
    public static void RemoveIfEmpty(string? created)
    {
        try
        {
            if (created is not null && Directory.Exists(created) && !Directory.EnumerateFiles(created, "*", SearchOption.AllDirectories).Any())
            {
                Directory.Delete(created, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The failure being reported matters more than an empty folder.
        }
    }

    private static string Reason(string folder, Exception exception)
    {
        // The nearest part of the path that exists says what is in the way: a file where a folder should be, most often.
        for (var path = folder; !string.IsNullOrEmpty(path); path = Path.GetDirectoryName(path))
        {
            if (File.Exists(path))
            {
                return path == folder ? $"{path} exists and is a file, not a folder" : $"{path} is a file, not a folder";
            }

            if (Directory.Exists(path))
            {
                break;
            }
        }

        // .NET ends the system's reason with " : 'PATH'", the path the message has already named; a folder the system will
        // not make (under /proc, say) it reports as a file not found, which names the path and nothing else.
        var reason = exception.Message;
        var quoted = reason.LastIndexOf(" : '", StringComparison.Ordinal);
        return exception switch
        {
            UnauthorizedAccessException => "permission denied",
            FileNotFoundException or DirectoryNotFoundException => "the system cannot make a folder there",
            _ => (quoted > 0 && reason.EndsWith('\'') ? reason[..quoted] : reason).TrimEnd('.'),
        };
    }
}
