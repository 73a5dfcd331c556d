namespace FhirBulk.Cli.Commands;

/// <summary>Creates an output folder a command was given, failing in the user's terms instead of .NET's ("Could not find a part of the path").</summary>
internal static class OutputFolder
{
    /// <summary>Creates <paramref name="folder"/> (and its parents) unless it exists.</summary>
    /// <param name="folder">The full path.</param>
    /// <param name="option">The option that named it, for the message.</param>
    /// <exception cref="CliException">The folder cannot be created (exit 3), saying why and what to do.</exception>
    public static void Create(string folder, string option)
    {
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot create the folder {folder} ({option}): {Reason(folder, e)}; give {option} a folder you can write to.", ExitCodes.InvalidInput, e);
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

        return exception is UnauthorizedAccessException ? "permission denied" : exception.Message;
    }
}
