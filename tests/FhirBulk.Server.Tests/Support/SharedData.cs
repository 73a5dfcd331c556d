namespace FhirBulk.Server.Tests.Support;

/// <summary>Finds the shared folder: <c>../shared</c> next to the repository root (the folder holding FhirBulk.slnx), or <c>FHIRBULK_SHARED</c>.</summary>
public static class SharedData
{
    public static string? Folder { get; } = Find();

    public static string? SyntheaSample => Folder is null ? null : Path.Combine(Folder, "fixtures", "synthea-sample-10");

    private static string? Find()
    {
        // A worktree outside the main checkout can point at the shared folder explicitly.
        if (Environment.GetEnvironmentVariable("FHIRBULK_SHARED") is { Length: > 0 } configured && Directory.Exists(configured))
        {
            return configured;
        }

        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "FhirBulk.slnx")))
            {
                var shared = Path.GetFullPath(Path.Combine(directory.FullName, "..", "shared"));
                return Directory.Exists(shared) ? shared : null;
            }
        }

        return null;
    }
}

/// <summary>A fact that is skipped, with the reason shown, when the shared Synthea sample is not present.</summary>
public sealed class SyntheaSampleFactAttribute : FactAttribute
{
    public SyntheaSampleFactAttribute()
    {
        if (SharedData.SyntheaSample is not { } folder || !Directory.Exists(folder))
        {
            Skip = "../shared/fixtures/synthea-sample-10 is not present next to the repository.";
        }
    }
}
