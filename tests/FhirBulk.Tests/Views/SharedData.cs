namespace FhirBulk.Tests.Views;

/// <summary>
/// Locates ../shared (the folder beside the repository root holding the SQL-on-FHIR suite and the
/// Synthea sample). Tests that need it are skipped, visibly, when it is absent.
/// </summary>
internal static class SharedData
{
    private static readonly Lazy<string?> Root = new(Find);

    public static string? Folder => Root.Value;

    public static string SkipReason => "../shared (SQL-on-FHIR suite, Synthea sample) not found next to the repository root";

    public static string Path(params string[] parts) =>
        System.IO.Path.Combine([Folder ?? throw new InvalidOperationException(SkipReason), .. parts]);

    // ../shared relative to the repository root; git worktrees sit deeper than the main
    // checkout, so the folders above the root are tried too.
    private static string? Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "FhirBulk.slnx")))
        {
            dir = dir.Parent;
        }

        for (; dir?.Parent is not null; dir = dir.Parent)
        {
            var shared = System.IO.Path.Combine(dir.Parent.FullName, "shared");
            if (Directory.Exists(System.IO.Path.Combine(shared, "sql-on-fhir-v2")))
            {
                return shared;
            }
        }

        return null;
    }
}

/// <summary>A fact that is skipped, with the reason shown, when ../shared is missing.</summary>
public sealed class SharedFactAttribute : FactAttribute
{
    public SharedFactAttribute()
    {
        if (SharedData.Folder is null)
        {
            Skip = SharedData.SkipReason;
        }
    }
}

/// <summary>A theory that is skipped, with the reason shown, when ../shared is missing.</summary>
public sealed class SharedTheoryAttribute : TheoryAttribute
{
    public SharedTheoryAttribute()
    {
        if (SharedData.Folder is null)
        {
            Skip = SharedData.SkipReason;
        }
    }
}
