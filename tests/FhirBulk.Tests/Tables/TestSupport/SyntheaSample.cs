using FhirBulk.Tests.Views;

namespace FhirBulk.Tests.Tables.TestSupport;

/// <summary>The real Synthea export in ../shared/fixtures/synthea-sample-10.</summary>
internal static class SyntheaSample
{
    public static string? Folder =>
        SharedData.Folder is { } shared && Directory.Exists(System.IO.Path.Combine(shared, "fixtures", "synthea-sample-10"))
            ? System.IO.Path.Combine(shared, "fixtures", "synthea-sample-10")
            : null;

    public static string Path => Folder ?? throw new InvalidOperationException(SkipReason);

    public const string SkipReason = "../shared/fixtures/synthea-sample-10 (real Synthea export) not found next to the repository root";

    public static IEnumerable<string> Lines(string type) =>
        File.ReadLines(System.IO.Path.Combine(Path, $"{type}.000.ndjson")).Where(l => l.Length > 0);
}

/// <summary>A fact skipped, with the reason shown, when the Synthea sample is missing.</summary>
public sealed class SyntheaFactAttribute : FactAttribute
{
    public SyntheaFactAttribute() => Skip = SyntheaSample.Folder is null ? SyntheaSample.SkipReason : null;
}

/// <summary>A theory skipped, with the reason shown, when the Synthea sample is missing.</summary>
public sealed class SyntheaTheoryAttribute : TheoryAttribute
{
    public SyntheaTheoryAttribute() => Skip = SyntheaSample.Folder is null ? SyntheaSample.SkipReason : null;
}
