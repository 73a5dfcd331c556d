namespace FhirBulk.Tests.Support;

/// <summary>Finds /work/shared as <c>../shared</c> next to the repository root (the folder holding FhirBulk.slnx), or at <c>FHIRBULK_SHARED</c>.</summary>
public static class SharedFolder
{
    public static string? Path { get; } = Find();

    public static string? File(string relative) =>
        Path is null ? null : System.IO.File.Exists(System.IO.Path.Combine(Path, relative)) ? System.IO.Path.Combine(Path, relative) : null;

    private static string? Find()
    {
        // Worktrees live away from the main checkout; FHIRBULK_SHARED points at the shared folder from there.
        if (Environment.GetEnvironmentVariable("FHIRBULK_SHARED") is { Length: > 0 } overridden && Directory.Exists(overridden))
        {
            return overridden;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (System.IO.File.Exists(System.IO.Path.Combine(dir.FullName, "FhirBulk.slnx")))
            {
                var shared = System.IO.Path.GetFullPath(System.IO.Path.Combine(dir.FullName, "..", "shared"));
                return Directory.Exists(shared) ? shared : null;
            }
        }

        return null;
    }
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
