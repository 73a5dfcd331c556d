namespace FhirBulk.Views.Definition;

/// <summary>A parsed SQL-on-FHIR v2 ViewDefinition (the parts that shape rows).</summary>
/// <param name="Name">The view's <c>name</c>, used as the table name; may be <see langword="null"/>.</param>
/// <param name="Resource">The FHIR resource type the view reads.</param>
/// <param name="Constants">The <c>constant</c> entries, reachable as <c>%name</c> in paths.</param>
/// <param name="Select">The top-level <c>select</c> clauses.</param>
/// <param name="Where">The <c>where</c> clauses; a resource yields rows only when all are true.</param>
public sealed record ViewDefinition(
    string? Name,
    string Resource,
    IReadOnlyList<ViewConstant> Constants,
    IReadOnlyList<SelectClause> Select,
    IReadOnlyList<WhereClause> Where);

/// <summary>One <c>select</c> element: columns, nested selects, an iteration and a union.</summary>
/// <param name="ElementPath">Where this clause sits in the view, e.g. <c>select[0].select[1]</c>.</param>
/// <param name="Columns">The <c>column</c> entries.</param>
/// <param name="Select">Nested <c>select</c> clauses, cross-joined with this one's columns.</param>
/// <param name="ForEach">The <c>forEach</c> path, if any.</param>
/// <param name="ForEachOrNull">The <c>forEachOrNull</c> path, if any.</param>
/// <param name="Repeat">The <c>repeat</c> paths, if any.</param>
/// <param name="UnionAll">The <c>unionAll</c> branches (empty when absent).</param>
public sealed record SelectClause(
    string ElementPath,
    IReadOnlyList<ColumnDefinition> Columns,
    IReadOnlyList<SelectClause> Select,
    string? ForEach,
    string? ForEachOrNull,
    IReadOnlyList<string>? Repeat,
    IReadOnlyList<SelectClause> UnionAll);

/// <summary>One <c>column</c> element.</summary>
/// <param name="ElementPath">Where this column sits in the view, e.g. <c>select[0].column[2]</c>.</param>
/// <param name="Name">The column name (letters, digits and underscores, starting with a letter).</param>
/// <param name="Path">The FHIRPath expression giving the value.</param>
/// <param name="Type">The declared FHIR type, if any.</param>
/// <param name="Collection">Whether the column holds a list of values.</param>
/// <param name="AnsiType">
/// The SQL type asked for by the column's <c>ansi/type</c> tag, or <see langword="null"/> for the default of its FHIR type.
/// </param>
public sealed record ColumnDefinition(string ElementPath, string Name, string Path, string? Type, bool Collection, SqlType? AnsiType = null);

/// <summary>One <c>where</c> element.</summary>
/// <param name="ElementPath">Where this clause sits, e.g. <c>where[0]</c>.</param>
/// <param name="Path">A FHIRPath expression that must evaluate to a boolean.</param>
public sealed record WhereClause(string ElementPath, string Path);

/// <summary>One <c>constant</c> element.</summary>
/// <param name="ElementPath">Where this constant sits, e.g. <c>constant[0]</c>.</param>
/// <param name="Name">The name used as <c>%name</c>.</param>
/// <param name="FhirType">The FHIR type taken from the <c>value[x]</c> suffix, e.g. <c>date</c>.</param>
/// <param name="Value">
/// The value: a <see cref="string"/> (also for dates, codes and the like), <see cref="bool"/>,
/// <see cref="int"/>, <see cref="long"/> or <see cref="decimal"/>.
/// </param>
public sealed record ViewConstant(string ElementPath, string Name, string FhirType, object Value);
