namespace FhirBulk.Views;

/// <summary>Which FHIRPath engine evaluates a view's expressions.</summary>
public enum FhirPathEngineKind
{
    /// <summary>
    /// The engine over raw UTF-8 JSON: expressions compiled once into delegates that read only the members a path
    /// names. An expression using something it does not cover is evaluated by <see cref="Firely"/> while the rest of
    /// the view stays on the JSON engine (see <see cref="ViewEngineChoice.Fallbacks"/>).
    /// </summary>
    Json,

    /// <summary>Firely's FHIRPath evaluator over Firely objects: slower, and the reference the JSON engine is tested against.</summary>
    Firely,
}

/// <summary>The engine a compiled view runs on, and which of its expressions Firely evaluates instead.</summary>
/// <param name="Engine">The engine evaluating the view.</param>
public sealed record ViewEngineChoice(FhirPathEngineKind Engine)
{
    /// <summary>
    /// On the JSON engine, the expressions it does not cover, which Firely evaluates over the same resource, in the
    /// order of the view; empty when the JSON engine evaluates everything, and on the Firely engine.
    /// </summary>
    /// <value>The default value is empty.</value>
    public IReadOnlyList<ExpressionFallback> Fallbacks { get; init; } = [];

    /// <summary>
    /// On the JSON engine, the texts a resource's JSON must hold to pass the view's <c>where</c> clauses (each quoted,
    /// joined by <c>and</c>/<c>or</c>, e.g. <c>"http://loinc.org" and "72166-2"</c>): only a resource holding them (or any
    /// escape) is evaluated. <see langword="null"/> when the clauses require no text or one of them could fail on some
    /// resource, and on the Firely engine.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? RequiredText { get; init; }

    /// <inheritdoc/>
    public override string ToString() => Engine switch
    {
        FhirPathEngineKind.Json => "json engine"
            + (RequiredText is null ? "" : $"; only resources holding {RequiredText} are evaluated")
            + (Fallbacks.Count == 0 ? "" : $"; Firely evaluates {string.Join("; ", Fallbacks)}"),
        _ => "Firely engine",
    };
}

/// <summary>An expression of a view on the JSON engine that Firely evaluates, and why.</summary>
/// <param name="ElementPath">Where the expression is in the view (e.g. <c>select[0].column[1].path</c>).</param>
/// <param name="Expression">The FHIRPath expression.</param>
/// <param name="Reason">What the JSON engine lacks (e.g. "function 'descendants' with 0 argument(s) is not on the JSON path").</param>
public sealed record ExpressionFallback(string ElementPath, string Expression, string Reason)
{
    /// <inheritdoc/>
    /// <remarks>The expression comes last and unquoted: its own string literals would make quotes around it ambiguous.</remarks>
    public override string ToString() => $"{ElementPath} ({Reason}): {Expression}";
}
