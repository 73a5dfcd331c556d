using FhirBulk.Views;

namespace FhirBulk.Workshop;

/// <summary>
/// The workshop as files: ViewDefinitions that build its tables and the SQL that answers its
/// three research questions. The repository's copy lives in <c>examples/workshop/</c>
/// (<c>views/*.json</c>, <c>queries/*.sql</c>); users can edit it and run their own.
/// </summary>
/// <remarks>
/// <see cref="WorkshopAnalysis"/> needs four queries, by file name without extension:
/// <list type="bullet">
/// <item><c>flu_vaccinated_patients</c>: one row, one integer column.</item>
/// <item><c>top_conditions</c>: rows of <c>code</c>, <c>display</c>, <c>patients</c>.</item>
/// <item><c>top_medication</c>: at most one row of <c>code</c>, <c>display</c>, <c>requests</c>.</item>
/// <item><c>top_medication_encounter_types</c>: rows of <c>code</c>, <c>display</c>, <c>count</c>.</item>
/// </list>
/// </remarks>
public sealed class WorkshopDefinition
{
    /// <summary>The query that counts patients ever vaccinated against influenza.</summary>
    public const string FluVaccinatedPatientsQuery = "flu_vaccinated_patients";

    /// <summary>The query that ranks conditions by patients first diagnosed with them.</summary>
    public const string TopConditionsQuery = "top_conditions";

    /// <summary>The query that finds the most requested medication.</summary>
    public const string TopMedicationQuery = "top_medication";

    /// <summary>The query that ranks the encounter types the top medication was prescribed in.</summary>
    public const string EncounterTypesQuery = "top_medication_encounter_types";

    /// <summary>Creates a definition from view and query texts.</summary>
    /// <param name="views">ViewDefinition JSON texts, keyed by a name used in error messages (a file name).</param>
    /// <param name="queries">SQL texts keyed by query name (file name without extension).</param>
    public WorkshopDefinition(
        IEnumerable<KeyValuePair<string, string>> views,
        IEnumerable<KeyValuePair<string, string>> queries)
    {
        ArgumentNullException.ThrowIfNull(views);
        ArgumentNullException.ThrowIfNull(queries);
        Views = views.OrderBy(v => v.Key, StringComparer.Ordinal).ToList();
        Queries = queries.ToDictionary(q => q.Key, q => q.Value, StringComparer.Ordinal);
        if (Views.Count == 0)
        {
            throw new ArgumentException("A workshop needs at least one view.", nameof(views));
        }
    }

    /// <summary>The ViewDefinition JSON texts, keyed by source name, in ordinal order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Views { get; }

    /// <summary>The SQL texts, keyed by query name.</summary>
    public IReadOnlyDictionary<string, string> Queries { get; }

    /// <summary>Loads <c>views/*.json</c> and <c>queries/*.sql</c> from a workshop folder.</summary>
    /// <param name="directory">A folder shaped like <c>examples/workshop</c>.</param>
    /// <returns>The definition.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder or its <c>views</c> subfolder is missing.</exception>
    public static WorkshopDefinition FromDirectory(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var views = Path.Combine(directory, "views");
        var queries = Path.Combine(directory, "queries");
        if (!Directory.Exists(views))
        {
            throw new DirectoryNotFoundException($"Workshop folder '{directory}' has no views/ folder.");
        }

        return new WorkshopDefinition(
            ViewDefinitionLoader.ListFiles(views).Select(f => KeyValuePair.Create(Path.GetFileName(f), File.ReadAllText(f))),
            Directory.Exists(queries)
                ? Directory.EnumerateFiles(queries, "*.sql").Select(f => KeyValuePair.Create(Path.GetFileNameWithoutExtension(f), File.ReadAllText(f)))
                : []);
    }

    internal string Query(string name) =>
        Queries.TryGetValue(name, out var sql)
            ? sql
            : throw new InvalidOperationException($"The workshop has no '{name}' query (queries/{name}.sql).");
}
