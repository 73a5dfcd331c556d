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
/// then <see cref="IReadOnlyList{T}"/> of <see cref="object"/>.
/// </param>
public sealed record ViewColumn(string Name, string? FhirType, bool IsCollection);
