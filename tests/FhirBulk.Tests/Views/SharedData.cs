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

    /// <summary>Why a test needing ../shared is skipped, or null when it can run.</summary>
    public static string? SkipIfMissing => Folder is null ? SkipReason : null;

    // ../shared relative to the repository root; git worktrees sit deeper than the main
    // checkout, so the folders above the root are tried too. FHIRBULK_SHARED names it outright,
    // as the server tests' locator allows.
    private static string? Find()
    {
        if (Environment.GetEnvironmentVariable("FHIRBULK_SHARED") is { Length: > 0 } configured && IsShared(configured))
        {
            return configured;
        }

        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "FhirBulk.slnx")))
        {
            dir = dir.Parent;
        }

        for (; dir?.Parent is not null; dir = dir.Parent)
        {
            var shared = System.IO.Path.Combine(dir.Parent.FullName, "shared");
            if (IsShared(shared))
            {
                return shared;
            }
        }

        return null;
    }

    private static bool IsShared(string folder) => Directory.Exists(System.IO.Path.Combine(folder, "sql-on-fhir-v2"));
}

/// <summary>A fact that is skipped, with the reason shown, when ../shared is missing.</summary>
public sealed class SharedFactAttribute : FactAttribute
{
    public SharedFactAttribute() => Skip = SharedData.SkipIfMissing;
}

/// <summary>A theory that is skipped, with the reason shown, when ../shared is missing.</summary>
public sealed class SharedTheoryAttribute : TheoryAttribute
{
    public SharedTheoryAttribute() => Skip = SharedData.SkipIfMissing;
}
