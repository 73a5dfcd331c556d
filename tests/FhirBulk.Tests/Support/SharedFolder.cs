using FhirBulk.Tests.Views;

namespace FhirBulk.Tests.Support;

/// <summary>Files under ../shared, found by <see cref="SharedData"/>.</summary>
public static class SharedFolder
{
    /// <summary>The full path of <paramref name="relative"/> under ../shared, or null when it is not there.</summary>
    public static string? File(string relative) =>
        SharedData.Folder is { } shared && System.IO.File.Exists(Path.Combine(shared, relative)) ? Path.Combine(shared, relative) : null;
}

/// <summary>A fact skipped, with the reason shown, when a file under ../shared is missing.</summary>
public sealed class SharedFileFactAttribute : FactAttribute
{
    public SharedFileFactAttribute(string relativePath)
    {
        if (SharedFolder.File(relativePath) is null)
        {
            Skip = $"../shared/{relativePath} not found next to the repository root.";
        }
    }
}
