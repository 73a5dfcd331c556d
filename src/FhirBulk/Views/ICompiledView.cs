using FhirBulk.Ndjson;

namespace FhirBulk.Views;

/// <summary>
/// A view ready to run: validated, with every expression compiled once. Turns resources of
/// <see cref="ViewSchema.Resource"/> into rows shaped by <see cref="Schema"/>.
/// </summary>
/// <remarks>
/// A row is an array aligned with <see cref="ViewSchema.Columns"/>. Each value is
/// <see langword="null"/>, a <see cref="string"/> (also for dates, times and codes: FHIR dates may
/// be partial), a <see cref="bool"/>, an <see cref="int"/> or <see cref="long"/>, a
/// <see cref="decimal"/>, or, for a collection column, an <see cref="IReadOnlyList{T}"/> of those.
/// </remarks>
public interface ICompiledView
{
    /// <summary>The table this view produces.</summary>
    ViewSchema Schema { get; }

    /// <summary>The FHIRPath engine this view runs on, and which of its expressions Firely evaluates instead, and why.</summary>
    ViewEngineChoice Engine { get; }

    /// <summary>
    /// What the compiler found valid but suspect, e.g. a path naming an element its type does not have in FHIR R4 or a type
    /// that does not exist; empty for most views. With <see cref="ViewCompilerOptions.StrictElements"/> such a view is refused instead.
    /// </summary>
    IReadOnlyList<ViewWarning> Warnings => [];

    /// <summary>
    /// The rows <paramref name="resource"/> yields: none when it is of another type or fails the
    /// view's <c>where</c> clauses.
    /// </summary>
    IEnumerable<object?[]> Evaluate(ResourceLine resource);
}
