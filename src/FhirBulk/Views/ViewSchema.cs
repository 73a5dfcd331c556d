namespace FhirBulk.Views;

/// <summary>The shape of the table a view produces: its name, resource type and columns.</summary>
/// <param name="Name">The table name (the ViewDefinition's <c>name</c>).</param>
/// <param name="Resource">The FHIR resource type the view reads.</param>
/// <param name="Columns">The columns, in output order.</param>
public sealed record ViewSchema(string Name, string Resource, IReadOnlyList<ViewColumn> Columns);

/// <summary>One output column of a view.</summary>
/// <param name="Name">The column name, as the view declares it.</param>
/// <param name="FhirType">
/// The FHIR type of the column (<c>string</c>, <c>integer</c>, <c>decimal</c>, <c>boolean</c>,
/// <c>date</c>, <c>dateTime</c>, <c>instant</c>, <c>time</c>, <c>integer64</c>, <c>code</c>, …),
/// declared by the view or inferred; <see langword="null"/> when unknown (sinks store text).
/// </param>
/// <param name="IsCollection">
/// <see langword="true"/> when the column holds a list (<c>collection: true</c>); its values are
/// then <see cref="IReadOnlyList{T}"/> of <see cref="object"/>, and its table type a LIST of <see cref="SqlType"/>.
/// </param>
/// <param name="DeclaredType">
/// The SQL type the view asks for with the column tag <c>ansi/type</c>, or <see langword="null"/> for the default of
/// <paramref name="FhirType"/>.
/// </param>
public sealed record ViewColumn(string Name, string? FhirType, bool IsCollection, SqlType? DeclaredType = null)
{
    /// <summary>
    /// The column's SQL type (of each item, for a collection): <see cref="DeclaredType"/>, else the SQL-on-FHIR default for
    /// <see cref="FhirType"/> (<see cref="SqlType.ForFhirType"/>). Every sink stores the column as this type, so a table's
    /// schema follows from its ViewDefinition alone.
    /// </summary>
    public SqlType SqlType => DeclaredType ?? SqlType.ForFhirType(FhirType, IsCollection);
}
