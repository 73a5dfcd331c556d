namespace FhirBulk.Cli.Tests.Infrastructure;

/// <summary>Finds the repository root (the folder holding FhirBulk.slnx) and ../shared beside it.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>
    /// ../shared beside the clone (CI), or the nearest <c>shared</c> folder further up, for a
    /// git worktree that lives one level deeper than the clone would.
    /// </summary>
    public static string Shared { get; } = FindShared();

    public static string SyntheaSample => Path.Combine(Shared, "fixtures", "synthea-sample-10");

    public static string Workshop => Path.Combine(Root, "examples", "workshop");

    private static string FindShared()
    {
        for (var folder = Directory.GetParent(Root); folder is not null; folder = folder.Parent)
        {
            var candidate = Path.Combine(folder.FullName, "shared");
            if (Directory.Exists(Path.Combine(candidate, "fixtures")))
            {
                return candidate;
            }
        }

        return Path.GetFullPath(Path.Combine(Root, "..", "shared"));
    }

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "FhirBulk.slnx")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No FhirBulk.slnx above {AppContext.BaseDirectory}.");
    }
}

/// <summary>
/// A fact that needs the Synthea sample in ../shared/fixtures; it is reported as skipped, with
/// the path it looked for, when that folder is not there (a clone without shared/).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class SyntheaSampleFactAttribute : FactAttribute
{
    public SyntheaSampleFactAttribute()
    {
        if (!Directory.Exists(RepositoryPaths.SyntheaSample))
        {
            Skip = $"Synthea sample not found at {RepositoryPaths.SyntheaSample}.";
        }
    }
}
