using FhirBulk.Views.Definition;
using FhirBulk.Views.FhirPath;

namespace FhirBulk.Views.Workshop;

/// <summary>
/// Turns the workshop's per-type (column name, FHIRPath) lists into ViewDefinitions, so that
/// they run on the same engine, and the same sinks, as any SQL-on-FHIR view.
/// </summary>
public static class WorkshopViews
{
    /// <summary>
    /// Builds the ViewDefinition of one resource type's columns. A column whose
    /// <see cref="WorkshopColumn.Collection"/> is not set becomes <c>collection: true</c> exactly
    /// when its path can yield several items according to the R4 model (or the model cannot tell).
    /// A leading choice element in its JSON spelling, as the workshop writes
    /// <c>valueCodeableConcept</c>, is read as <c>value.ofType(CodeableConcept)</c>.
    /// </summary>
    /// <param name="resourceType">The resource type, e.g. <c>Patient</c>.</param>
    /// <param name="columns">The columns, in output order.</param>
    /// <param name="name">The view (table) name; the default is the resource type in lower case.</param>
    /// <exception cref="ViewDefinitionException">A path does not parse or calls an unknown function.</exception>
    public static ViewDefinition Create(string resourceType, IEnumerable<WorkshopColumn> columns, string? name = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(resourceType);
        ArgumentNullException.ThrowIfNull(columns);
        var engine = new FirelyPathEngine([]);
        var resource = engine.ResourceShape(resourceType, "resource");
        var definitions = new List<ColumnDefinition>();
        foreach (var (column, index) in columns.Select((c, i) => (c, i)))
        {
            var elementPath = $"select[0].column[{index}]";
            var path = ChoiceElementPaths.Rewrite(resourceType, column.Path);
            var collection = column.Collection
                ?? engine.Compile(path, resource, elementPath + ".path").Result.Cardinality != PathCardinality.Single;
            definitions.Add(new ColumnDefinition(elementPath, column.Name, path, null, collection));
        }

        var select = new SelectClause("select[0]", definitions, [], null, null, null, []);
        return new ViewDefinition(name ?? resourceType.ToLowerInvariant(), resourceType, [], [select], []);
    }

    /// <summary>Builds one ViewDefinition per resource type of <paramref name="mappings"/>.</summary>
    /// <param name="mappings">Per resource type, its columns (the workshop's <c>fhir_paths</c> dictionary).</param>
    public static IReadOnlyList<ViewDefinition> Create(IReadOnlyDictionary<string, IReadOnlyList<WorkshopColumn>> mappings)
    {
        ArgumentNullException.ThrowIfNull(mappings);
        return [.. mappings.Select(m => Create(m.Key, m.Value))];
    }
}
