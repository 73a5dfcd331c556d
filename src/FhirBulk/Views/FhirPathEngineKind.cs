namespace FhirBulk.Views;

/// <summary>Which FHIRPath engine evaluates a view's expressions.</summary>
public enum FhirPathEngineKind
{
    /// <summary>
    /// The engine over raw UTF-8 JSON: expressions compiled once into delegates that read only the members a path
    /// names. A view using something it does not cover runs on <see cref="Firely"/> instead (see
    /// <see cref="ICompiledView.Engine"/>).
    /// </summary>
    Json,

    /// <summary>Firely's FHIRPath evaluator over Firely objects: slower, and the reference the JSON engine is tested against.</summary>
    Firely,
}

/// <summary>The engine a compiled view runs on, and why when it is not the one asked for.</summary>
/// <param name="Engine">The engine evaluating the view.</param>
/// <param name="FallbackReason">
/// Why the JSON engine was asked for but the view runs on Firely (e.g. "function 'descendants' with 0 argument(s) is
/// not on the JSON path"), or <see langword="null"/>.
/// </param>
public sealed record ViewEngineChoice(FhirPathEngineKind Engine, string? FallbackReason)
{
    /// <inheritdoc/>
    public override string ToString() => (Engine, FallbackReason) switch
    {
        (FhirPathEngineKind.Json, _) => "json engine",
        (_, null) => "Firely engine",
        (_, var reason) => $"Firely engine (reason: {reason})",
    };
}
