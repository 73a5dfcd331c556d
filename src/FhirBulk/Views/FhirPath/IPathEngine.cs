using FhirBulk.Ndjson;

namespace FhirBulk.Views.FhirPath;

/// <summary>
/// The one seam between the view engine and a FHIRPath implementation. The row builder only
/// talks to this interface, so a compiled fast path over raw JSON can sit beside the Firely
/// evaluator and be checked against it row for row.
/// </summary>
/// <typeparam name="TNode">The engine's node type (a Firely <c>PocoNode</c>, a JSON element, …).</typeparam>
internal interface IPathEngine<TNode>
    where TNode : class
{
    /// <summary>The static type of a resource of <paramref name="resourceType"/>; throws when the type is unknown.</summary>
    PathShape ResourceShape(string resourceType, string elementPath);

    /// <summary>Whether <paramref name="fhirType"/> names a FHIR data type (for a column's <c>type</c>).</summary>
    bool IsKnownType(string fhirType);

    /// <summary>
    /// Compiles <paramref name="expression"/> once, for a focus of static type <paramref name="context"/>;
    /// throws <see cref="ViewDefinitionException"/> naming <paramref name="elementPath"/> when it
    /// cannot be parsed, calls an unknown function or refers to an undefined constant.
    /// </summary>
    IPathExpression<TNode> Compile(string expression, PathShape context, string elementPath);

    /// <summary>
    /// The paths compiled so far that name an element their type does not have, or a type that does not exist (see
    /// <see cref="ViewWarning"/>).
    /// </summary>
    IReadOnlyList<ViewWarning> UnknownNames { get; }

    /// <summary>Parses one resource, once; all expressions of all views then run over the result.</summary>
    IPathRun<TNode> Start(ResourceLine resource);

    /// <summary>The row value of a node (see <see cref="ICompiledView"/> for the representation).</summary>
    object? ToRowValue(TNode node);
}

/// <summary>A compiled expression.</summary>
internal interface IPathExpression<TNode>
    where TNode : class
{
    /// <summary>The view element the expression came from, for error messages.</summary>
    string ElementPath { get; }

    /// <summary>What static analysis knows about the result.</summary>
    PathShape Result { get; }

    /// <summary>
    /// Evaluates the expression with <paramref name="focus"/> as <c>$this</c>; a
    /// <see langword="null"/> focus is the empty collection (the null row of forEachOrNull).
    /// </summary>
    IReadOnlyList<TNode> Evaluate(TNode? focus, IPathRun<TNode> run);
}

/// <summary>The evaluation state of one resource: its root node and the current <c>%rowIndex</c>.</summary>
internal interface IPathRun<TNode>
    where TNode : class
{
    /// <summary>The resource's root node.</summary>
    TNode Resource { get; }

    /// <summary>The value <c>%rowIndex</c> has for the next evaluation.</summary>
    int RowIndex { get; set; }
}

/// <summary>
/// What is statically known about a collection of nodes: its FHIR type, whether it can hold
/// more than one item, and an engine-specific type token for compiling paths relative to it.
/// </summary>
/// <param name="FhirType">The FHIR (or System) type name, or <see langword="null"/> when unknown.</param>
/// <param name="Cardinality">Whether the collection holds at most one item.</param>
/// <param name="Token">Engine data describing the type (e.g. a Firely class mapping), or <see langword="null"/>.</param>
internal sealed record PathShape(string? FhirType, PathCardinality Cardinality, object? Token)
{
    /// <summary>Nothing is known.</summary>
    public static PathShape Unknown { get; } = new(null, PathCardinality.Unknown, null);

    /// <summary>
    /// Whether this is the resource itself (the view's root focus): analysis then records which
    /// of its elements an expression reads.
    /// </summary>
    public bool IsResourceRoot { get; init; }

    /// <summary>
    /// Whether the items are elements of the resource (FHIR values, typed by the R4 model), not values FHIRPath made
    /// (literals, function results), which are of System types.
    /// </summary>
    public bool IsElement { get; init; }

    /// <summary>This shape as a single item (the element a <c>forEach</c> iterates over).</summary>
    public PathShape AsSingle() => this with { Cardinality = PathCardinality.Single };
}

/// <summary>How many items an expression can yield, as far as static analysis can tell.</summary>
internal enum PathCardinality
{
    /// <summary>Not known; no check is made.</summary>
    Unknown,

    /// <summary>At most one item.</summary>
    Single,

    /// <summary>Possibly more than one item.</summary>
    Many,
}
