namespace FhirBulk.Tests.Views;

/// <summary>The repository's shipped workshop views (examples/workshop/views), found above the test's own folder.</summary>
internal static class WorkshopFolder
{
    public static string Views { get; } = Find();

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "FhirBulk.slnx")))
        {
            dir = dir.Parent;
        }

        return Path.Combine(dir?.FullName ?? throw new InvalidOperationException($"No FhirBulk.slnx above {AppContext.BaseDirectory}."), "examples", "workshop", "views");
    }
}
