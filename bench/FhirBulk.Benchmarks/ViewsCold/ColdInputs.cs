using System.Text.Json;
using FhirBulk.Benchmarks.Infrastructure;

namespace FhirBulk.Benchmarks.ViewsCold;

/// <summary>
/// The inputs of the cold views benchmark: the six shipped workshop views, the DuckDB SQL that computes the same tables,
/// and folders that hold only the NDJSON of the types those views read (as symbolic links), so that every variant reads
/// exactly the same bytes whatever else the export holds.
/// </summary>
internal static class ColdInputs
{
    /// <summary>The shipped workshop views, as a user runs them (<c>fhir-bulk view --view examples/workshop/views</c>).</summary>
    public static string ViewsFolder { get; } = Path.Combine(RepositoryRoot.Path, "examples", "workshop", "views");

    /// <summary>
    /// The six views as DuckDB SQL with declared columns, kept beside the project (../shared/bench) rather than copied into
    /// it, so one reference serves every branch that measures against it.
    /// </summary>
    public static string DuckDbSqlFile { get; } = Path.GetFullPath(Path.Combine(RepositoryRoot.Path, "..", "shared", "bench", "duckdb-workshop-views.sql"));

    /// <summary>The real Synthea export (10 patients) the project may read but not copy.</summary>
    public static string SyntheaFolder { get; } = Path.GetFullPath(Path.Combine(RepositoryRoot.Path, "..", "shared", "fixtures", "synthea-sample-10"));

    /// <summary>The resource types the workshop views read, from their <c>resource</c> members.</summary>
    public static IReadOnlyList<string> ViewTypes() =>
        [.. Directory.GetFiles(ViewsFolder, "*.json").Order(StringComparer.Ordinal)
            .Select(f => JsonDocument.Parse(File.ReadAllBytes(f)).RootElement.GetProperty("resource").GetString()!)
            .Distinct(StringComparer.Ordinal)];

    /// <summary>
    /// Links the files of <paramref name="types"/> in <paramref name="source"/> into a new folder, <paramref name="copies"/>
    /// times (as <c>Type.cNN.original-name</c>), so a 4× or 16× input costs no disk and stays in the page cache.
    /// </summary>
    public static (string Folder, long Bytes) LinkTypes(string source, IReadOnlyList<string> types, string purpose, int copies = 1)
    {
        var folder = Population.TempDir(purpose);
        long bytes = 0;
        foreach (var file in Directory.GetFiles(source, "*.ndjson").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(file);
            var type = name.Split('.')[0];
            if (!types.Contains(type, StringComparer.Ordinal))
            {
                continue;
            }

            for (var copy = 0; copy < copies; copy++)
            {
                File.CreateSymbolicLink(Path.Combine(folder, $"{type}.c{copy:D2}.{name[(type.Length + 1)..]}"), Path.GetFullPath(file));
                bytes += new FileInfo(file).Length;
            }
        }

        // A type the export lacks (the Synthea sample has no Observation file) gets an empty file: an empty table for every
        // variant alike, where DuckDB would otherwise stop at a glob that matches nothing.
        foreach (var type in types.Where(t => !Directory.EnumerateFiles(folder, t + ".*").Any()))
        {
            File.WriteAllBytes(Path.Combine(folder, $"{type}.empty.ndjson"), []);
        }

        return (folder, bytes);
    }

    /// <summary>
    /// The reference SQL with its folders filled in; <paramref name="detectColumns"/> drops each <c>columns = {…}</c> so
    /// DuckDB infers them, except where the files read hold no bytes (the Synthea sample's empty Observation stand-in):
    /// DuckDB detects no columns in nothing and stops binding (<c>Referenced table "code" not found</c>), so a user there
    /// declares them, and the table is empty either way.
    /// </summary>
    public static string DuckDbSql(string inputFolder, string outputFolder, bool detectColumns)
    {
        var sql = File.ReadAllText(DuckDbSqlFile).Replace("@DIR@", inputFolder, StringComparison.Ordinal).Replace("@OUT@", outputFolder, StringComparison.Ordinal);
        return detectColumns
            ? System.Text.RegularExpressions.Regex.Replace(
                sql,
                @"(read_json\('(?<glob>[^']+)'[^{]*?),\s*columns\s*=\s*\{[^}]*\}",
                call => HasBytes(call.Groups["glob"].Value) ? call.Groups[1].Value : call.Value)
            : sql;
    }

    // The folder holds symbolic links: FileInfo.Length would be the link's own size, so ask the opened file.
    private static bool HasBytes(string glob) =>
        Directory.GetFiles(Path.GetDirectoryName(glob)!, Path.GetFileName(glob)).Any(f => { using var file = File.OpenRead(f); return file.Length > 0; });
}
