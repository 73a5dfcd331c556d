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

    /// <summary>The FHIRPath engine to compile the view for.</summary>
    /// <remarks>
    /// With <see cref="FhirPathEngineKind.Json"/>, an expression that uses something the JSON engine does not cover is
    /// evaluated by <see cref="FhirPathEngineKind.Firely"/> while the rest of the view stays on the JSON engine;
    /// <see cref="ICompiledView.Engine"/> names each such expression and why. Both engines give the same rows.
    /// </remarks>
    /// <value>The default value is <see cref="FhirPathEngineKind.Json"/>.</value>
    public FhirPathEngineKind Engine { get; set; } = FhirPathEngineKind.Json;
}
