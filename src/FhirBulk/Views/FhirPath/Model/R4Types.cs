using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Hl7.Fhir.Introspection;
using Hl7.Fhir.Specification;

namespace FhirBulk.Views.FhirPath.Model;

/// <summary>
/// The R4 types by FHIR name, without Firely's <c>ModelInfo.ModelInspector</c>: building that inspector loads every
/// assembly Firely's model references and reflects over all 710 types, about 0.25 CPU-seconds of each start of
/// <c>fhir-bulk view</c> (docs/benchmarks.md, "Start-up without Firely's model"). Here a checked-in table
/// (<c>R4Types.txt</c>, an embedded resource) names each type's class, and a private inspector imports only the
/// classes a view reaches, when it reaches them. The table is compared with Firely's inspector for every R4 type by
/// <c>R4TypesTests</c>, which also writes the table anew when it has drifted.
/// </summary>
internal static class R4Types
{
    /// <summary>The embedded table's resource name.</summary>
    internal const string ResourceName = "FhirBulk.Views.FhirPath.Model.R4Types.txt";

    /// <summary>The table line's key for the open choice's types (those of <c>Extension.value[x]</c>).</summary>
    internal const string OpenTypesKey = "*";

    // Exact, unlike Firely's FindClassMapping (which finds Patient for 'patient'): FHIRPath type names are case-sensitive
    // (string is FHIR's primitive, String the System type, quantity no type), and Firely's evaluator tests them so.
    private static readonly FrozenDictionary<string, string> ClassNames = Load();

    // The inspector every JSON-engine type comes from. Its mappings are Firely's own ClassMappings of the same classes,
    // so the Firely fallback's values map back to them and both engines agree on each type.
    private static readonly ModelInspector Inspector = new(FhirRelease.R4);

    // Firely 6.8's FindOrImportClassMapping is not atomic: threads importing one class at once can each get a mapping of
    // their own, of which the inspector keeps one (96 of 200 rounds of 8 threads on Patient). Every mapping handed out
    // here is the one this dictionary kept, so a type is one instance however many threads compile views at once, and
    // the engine's type tests by reference agree with its tests by class.
    private static readonly ConcurrentDictionary<Type, ClassMapping?> ByClass = new();

    /// <summary>
    /// The element <paramref name="name"/> of <paramref name="type"/>, matched exactly, or <see langword="null"/>. FHIRPath
    /// names are case-sensitive (FHIRPath N1 §3.1: <c>gEnder</c> is no element of a Patient), and Firely's evaluator over
    /// its objects treats them so, but its <c>FindMappedElementByName</c> ignores case: the JSON engine filled
    /// <c>birthdate</c> from <c>birthDate</c> where Firely gave nothing.
    /// </summary>
    /// <remarks>
    /// Firely maps every element of a class the first time any is asked for, reading the custom attributes of each of its
    /// properties and importing each of their types: under Native AOT that was a third of a cold <c>fhir-bulk view</c>
    /// with the workshop views on a handful of resources (docs/benchmarks.md, session of 2026-12-03 12:42, "elements mapped one by one at compile time").
    /// The element's property is found here by the names Firely's generated classes give it (<c>birthDate</c> is
    /// <c>BirthDateElement</c> when primitive, <c>code</c> is <c>Code</c>) and only it is mapped; a name found so is
    /// the element Firely's <c>FindMappedElementByName</c> gives, as <c>R4TypesTests</c> checks for every element of
    /// every R4 type. Any other name (Element's <c>id</c> is <c>ElementId</c>; a misspelling) is looked up by mapping
    /// the whole class, as before.
    /// </remarks>
    public static PropertyMapping? Element(ClassMapping type, string name) =>
        Elements.GetOrAdd((type, name), static key => Map(key.Type, key.Name));

    // One mapping per element, as Firely's own mapping of the class keeps; bounded by the names the views compiled name.
    private static readonly ConcurrentDictionary<(ClassMapping Type, string Name), PropertyMapping?> Elements = new();

    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = FirelyModel.KeptWhole)]
    private static PropertyMapping? Map(ClassMapping type, string name)
    {
        // Every R4 element name starts with a lower-case letter (R4TypesTests holds each to the whole-class mapping, which
        // would fail here for one that did not); FHIRPath names are case-sensitive, so no other name is an element.
        if (name.Length == 0 || !char.IsAsciiLetterLower(name[0]))
        {
            return null;
        }

        var pascal = string.Concat(char.ToUpperInvariant(name[0]).ToString(), name.AsSpan(1));
        foreach (var property in type.NativeType.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if ((property.Name == pascal || (property.Name.Length == pascal.Length + ElementSuffix.Length && property.Name.StartsWith(pascal, StringComparison.Ordinal) && property.Name.EndsWith(ElementSuffix, StringComparison.Ordinal)))
                && PropertyMapping.TryCreate(property, out var mapping, type)
                && string.Equals(mapping.Name, name, StringComparison.Ordinal))
            {
                return mapping;
            }
        }

        return type.FindMappedElementByName(name) is { } whole && string.Equals(whole.Name, name, StringComparison.Ordinal) ? whole : null;
    }

    private const string ElementSuffix = "Element";

    /// <summary>
    /// What a name that is no element of <paramref name="type"/> most likely meant, best first: as
    /// <see cref="Misspelling.Meant"/> guesses among its elements (FHIRPath names are case-sensitive; a typo such as
    /// <c>gendr</c>); and for a choice element's name as JSON spells it (<c>valueQuantity</c>), the FHIRPath that reads it
    /// (<c>value.ofType(Quantity)</c>, FHIR R4 §2.24.0.1 "Choice of Data Types").
    /// </summary>
    public static IReadOnlyList<string> ElementsMeant(ClassMapping type, string name)
    {
        var elements = type.PropertyMappings;
        var choices = elements
            .Where(element => element.Choice == ChoiceType.DatatypeChoice && name.Length > element.Name.Length && name.StartsWith(element.Name, StringComparison.Ordinal))
            .SelectMany(element => ChoiceTypes(element)
                .Where(choice => string.Equals(choice.Name, name[element.Name.Length..], StringComparison.OrdinalIgnoreCase))
                .Select(choice => $"{element.Name}.ofType({choice.Name})"))
            .ToList();
        if (choices.Count > 0)
        {
            return choices;
        }

        return Misspelling.Meant(name, elements.Select(element => element.Name));
    }

    /// <summary>The FHIR type names of R4 (resources, data types, primitives and backbone elements).</summary>
    public static IEnumerable<string> Names => ClassNames.Keys.Where(name => name != OpenTypesKey);

    /// <summary>Whether <paramref name="fhirType"/> names an R4 type, exactly.</summary>
    public static bool IsKnown(string fhirType) => fhirType != OpenTypesKey && ClassNames.ContainsKey(fhirType);

    /// <summary>The type names equal to <paramref name="name"/> but for case (what a wrong-case name meant).</summary>
    public static IEnumerable<string> IgnoringCase(string name) =>
        Names.Where(known => string.Equals(known, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The mapping of the type named <paramref name="fhirType"/> (exactly), or <see langword="null"/> when R4 has none.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2057", Justification = FirelyModel.KeptWhole)]
    public static ClassMapping? Find(string fhirType) =>
        fhirType != OpenTypesKey && ClassNames.TryGetValue(fhirType, out var className)
            ? Mappings.GetOrAdd(className, static name => Of(Type.GetType(name, throwOnError: true)!))
            : null;

    // The JSON engine asks for every resource's type by name: resolving the class name (Type.GetType parses it) and asking the
    // inspector each time allocated ~0.4 bytes per input byte. Keyed by the table's own class names, so the cache holds at
    // most the 710 R4 types whatever names the data carries.
    private static readonly ConcurrentDictionary<string, ClassMapping?> Mappings = new(StringComparer.Ordinal);

    /// <summary>
    /// The types a choice element allows. Firely lists an open choice (<c>Extension.value[x]</c>, declared with
    /// no allowed types) as every data type its inspector has imported; this inspector imports lazily, so the open list
    /// comes from the table instead.
    /// </summary>
    public static IReadOnlyList<ClassMapping> ChoiceTypes(PropertyMapping property) =>
        property.Choice == ChoiceType.DatatypeChoice && property.FhirType.Length == 0
            ? OpenTypes.Value
            : [.. property.FhirTypeMappings.Select(type => Of(type.NativeType)!)];

    private static readonly Lazy<IReadOnlyList<ClassMapping>> OpenTypes = new(() =>
        [.. ClassNames[OpenTypesKey].Split(' ').Select(name => Find(name)!)]);

    /// <summary>The mapping of a Firely model class (a value the Firely fallback gave).</summary>
    public static ClassMapping? Of(Type nativeType) =>
        ByClass.GetOrAdd(nativeType, static type => Inspector.FindOrImportClassMapping(type));

    /// <summary>The table line for a mapping: its FHIR name and its class's assembly-qualified name (assembly without version).</summary>
    internal static string Line(string fhirType, Type nativeType) =>
        $"{fhirType}\t{nativeType.FullName}, {nativeType.Assembly.GetName().Name}";

    private static FrozenDictionary<string, string> Load()
    {
        using var stream = typeof(R4Types).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"the embedded resource {ResourceName} is missing from the build");
        using var reader = new StreamReader(stream);
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.ReadLine() is { } line)
        {
            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            if (tab > 0)
            {
                names.Add(line[..tab], line[(tab + 1)..]);
            }
        }

        return names.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
