using FhirBulk.Views.FhirPath.Model;
using Hl7.Fhir.Introspection;
using Hl7.FhirPath.Expressions;

namespace FhirBulk.Views.FhirPath;

/// <summary>
/// The type specifiers of <c>ofType(T)</c>, <c>is T</c>, <c>as T</c> and <c>getReferenceKey(T)</c>, resolved as Firely's
/// evaluator resolves them, so that both engines and the view warnings agree: by exact name (FHIRPath N1 §3.1 and §6.3:
/// identifiers and type names are case-sensitive, so <c>string</c> is FHIR's primitive, <c>String</c> the System type and
/// <c>quantity</c> no type at all), an unqualified name being a FHIR type first and a System type otherwise.
/// </summary>
internal static class TypeSpecifiers
{
    private const string FhirPrefix = "FHIR.";
    private const string SystemPrefix = "System.";

    /// <summary>
    /// The name a type argument gives: an identifier (<c>ofType(Quantity)</c>), the bare or <c>FHIR.</c>-qualified name
    /// that both parsers read as a path in <c>getReferenceKey(Patient)</c>, or a string (<c>getReferenceKey('Patient')</c>,
    /// which is how the Firely engine passes that name on); <see langword="null"/> for anything else.
    /// </summary>
    public static string? Name(Expression argument) => argument switch
    {
        ConstantExpression { Value: string name } => name,
        ChildExpression { Focus: AxisExpression, ChildName: var name } => name,
        ChildExpression { Focus: ChildExpression { Focus: AxisExpression, ChildName: "FHIR" }, ChildName: var name } => FhirPrefix + name,
        _ => null,
    };

    /// <summary>The R4 or System type <paramref name="specifier"/> names, or <see langword="null"/> when it names none.</summary>
    public static ClassMapping? Resolve(string specifier)
    {
        if (specifier.StartsWith(SystemPrefix, StringComparison.Ordinal))
        {
            return R4Types.Find(specifier);
        }

        var name = Unqualified(specifier);
        if (name.StartsWith(SystemPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        return R4Types.Find(name) ?? (name == specifier && !name.Contains('.', StringComparison.Ordinal) ? R4Types.Find(SystemPrefix + name) : null);
    }

    /// <summary>
    /// The FHIR type (neither a System type nor a backbone element) <paramref name="specifier"/> names, which the JSON
    /// engine tests by itself, or <see langword="null"/>, when the test is Firely's to make.
    /// </summary>
    public static ClassMapping? FhirType(string specifier) =>
        Resolve(specifier) is { } type && !Unqualified(specifier).Contains('.', StringComparison.Ordinal) && !IsSystem(type) ? type : null;

    /// <summary><paramref name="specifier"/> without the <c>FHIR.</c> that may qualify it.</summary>
    public static string Unqualified(string specifier) =>
        specifier.StartsWith(FhirPrefix, StringComparison.Ordinal) ? specifier[FhirPrefix.Length..] : specifier;

    /// <summary>
    /// Why <paramref name="specifier"/> is wrong, for a view warning (no value is of a type that does not exist, so
    /// ofType gives nothing and is gives false), or <see langword="null"/> when it names a type.
    /// </summary>
    public static string? Unknown(string specifier) =>
        Resolve(specifier) is null
            ? $"'{specifier}' is not a FHIR R4 or System type{DidYouMean(specifier, Misspelling.Meant(specifier, Spellings(specifier)))}, so no value is of it"
            : null;

    /// <summary>
    /// Why <paramref name="specifier"/> is wrong as the type of <c>getReferenceKey</c>, which keeps references to
    /// resources of that type only, or <see langword="null"/> when it names a resource type.
    /// </summary>
    public static string? NotAReferenceType(string specifier)
    {
        // Named as the Firely engine sees it (it passes FHIR.Patient on as 'Patient'), so both engines warn alike.
        var name = Unqualified(specifier);
        return IsResourceType(name) ? null : $"{NotAResourceType(name)}, so getReferenceKey({name}) gives nothing";
    }

    /// <summary>"'Patinet' is not a FHIR R4 resource type", with the resource type most likely meant (<see cref="Misspelling.Meant"/>).</summary>
    public static string NotAResourceType(string name) =>
        $"'{name}' is not a FHIR R4 resource type{DidYouMean(name, Misspelling.Meant(name, Spellings(name), IsResourceType))}";

    /// <summary>
    /// " (did you mean 'Quantity'? type names are case-sensitive)" when <paramref name="name"/> differs from the guesses in
    /// case only, " (did you mean 'Patient'?)" for a misspelling, nothing without a guess.
    /// </summary>
    public static string DidYouMean(string name, IReadOnlyList<string> guesses) => Misspelling.DidYouMean(name, guesses, "type");

    // Every valid specifier, qualified as this one is (not at all, FHIR. or System.), to guess among.
    private static IEnumerable<string> Spellings(string specifier)
    {
        var fhir = specifier.StartsWith(FhirPrefix, StringComparison.OrdinalIgnoreCase);
        var name = fhir ? specifier[FhirPrefix.Length..] : specifier;
        var unqualifiedSystem = fhir || name.Contains('.', StringComparison.Ordinal)
            ? []
            : R4Types.Names.Where(IsSystemName).Select(system => system[SystemPrefix.Length..]);
        return R4Types.Names
            .Where(candidate => !fhir || !IsSystemName(candidate))
            .Select(candidate => fhir ? FhirPrefix + candidate : candidate)
            .Concat(unqualifiedSystem);
    }

    private static bool IsSystemName(string name) => name.StartsWith(SystemPrefix, StringComparison.Ordinal);

    /// <summary>
    /// Why testing an element of a resource against <paramref name="specifier"/> gives nothing: it names a System type
    /// (<c>String</c>, <c>Date</c>, <c>System.Boolean</c>), which only FHIRPath's literals and function results are, never an
    /// element's value (FHIRPath N1 §10.1 "Models": FHIR's <c>string</c> is its own type), or <see langword="null"/>.
    /// </summary>
    public static string? NoElementIsOf(string specifier)
    {
        if (Resolve(specifier) is not { } type || !IsSystem(type))
        {
            return null;
        }

        var bare = type.Name[SystemPrefix.Length..];
        var meant = R4Types.IgnoringCase(bare).Where(name => !name.StartsWith(SystemPrefix, StringComparison.Ordinal)).ToList();
        var hint = meant.Count == 0 ? "" : $" (did you mean {string.Join(" or ", meant.Select(name => $"'{name}'"))}? FHIR's types begin in lower case but for complex types)";
        return $"'{specifier}' is the System type, of which no element of a resource is{hint}, so no value here is of it";
    }

    private static bool IsResourceType(string specifier) => R4Types.Find(Unqualified(specifier)) is { IsResource: true };

    private static bool IsSystem(ClassMapping type) => type.Name.StartsWith(SystemPrefix, StringComparison.Ordinal);
}
