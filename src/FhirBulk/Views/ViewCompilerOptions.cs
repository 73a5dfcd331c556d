namespace FhirBulk.Views;

/// <summary>Options for <see cref="ViewDefinitionCompiler"/>.</summary>
public sealed class ViewCompilerOptions
{
    /// <summary>
    /// The table name to give the view, overriding its <c>name</c>.
    /// </summary>
    /// <value>
    /// The default value is <see langword="null"/>: the view's <c>name</c>, or its resource type
    /// in lower case when it has none.
    /// </value>
    public string? TableName { get; set; }

    /// <summary>
    /// Whether to reject, before any data is read, a column without <c>collection: true</c>
    /// whose path can yield several values according to the FHIR model (e.g. <c>name.family</c>).
    /// </summary>
    /// <remarks>
    /// SQL-on-FHIR v2 only makes it an error when a resource actually yields several values
    /// (its conformance suite runs <c>telecom.system</c> as a plain column), which is always
    /// checked while rows are produced; this option catches such views up front instead.
    /// </remarks>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool StrictCardinality { get; set; }

    /// <summary>
    /// Whether to reject, before any data is read, a path naming an element that its type does not have in FHIR R4 (a
    /// misspelling such as <c>gendr</c> for <c>gender</c>) or a type that does not exist (<c>ofType(quantity)</c>), instead
    /// of listing it in <see cref="ICompiledView.Warnings"/>.
    /// </summary>
    /// <remarks>
    /// FHIRPath gives such a path the empty collection (FHIRPath N1 §5.1: navigating to an element that does not exist
    /// is empty, not an error), so the view runs and its column is null on every row. Types resolved only on the data
    /// (an abstract <c>Resource</c>, as <c>Bundle.entry.resource</c>) and choice elements are not checked.
    /// </remarks>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool StrictElements { get; set; }

    /// <summary>The FHIRPath engine to compile the view for.</summary>
    /// <remarks>
    /// With <see cref="FhirPathEngineKind.Json"/>, an expression that uses something the JSON engine does not cover is
    /// evaluated by <see cref="FhirPathEngineKind.Firely"/> while the rest of the view stays on the JSON engine;
    /// <see cref="ICompiledView.Engine"/> names each such expression and why. Both engines give the same rows.
    /// </remarks>
    /// <value>The default value is <see cref="FhirPathEngineKind.Json"/>.</value>
    public FhirPathEngineKind Engine { get; set; } = FhirPathEngineKind.Json;

    /// <summary>A copy: a <see cref="Conformance.ViewConformanceRunner"/> keeps its own so later changes by the caller do not reach it.</summary>
    internal ViewCompilerOptions Copy() => new()
    {
        TableName = TableName,
        StrictCardinality = StrictCardinality,
        StrictElements = StrictElements,
        Engine = Engine,
    };
}
