namespace FhirBulk.Views;

/// <summary>
/// Something in a ViewDefinition that is valid but almost certainly not what its author meant, found when the view is
/// compiled: a path naming an element its type does not have in FHIR R4 (a misspelling such as <c>gendr</c>), or a
/// type that does not exist (<c>ofType(quantity)</c>: type names are case-sensitive), which FHIRPath evaluates to empty
/// (or <c>is</c> to false) on every resource, so the column would be silently null.
/// </summary>
/// <param name="ElementPath">Where in the view, e.g. <c>select[0].column[1].path</c>.</param>
/// <param name="Message">What is wrong, naming the element and its type, or the type and the one meant when only its case differs.</param>
public sealed record ViewWarning(string ElementPath, string Message)
{
    /// <inheritdoc/>
    public override string ToString() => $"{ElementPath}: {Message}";
}
