using System.Collections.Concurrent;
using System.Text;
using FhirBulk.Views.FhirPath.Model;
using Hl7.Fhir.Introspection;
using Hl7.Fhir.Model;

namespace FhirBulk.Views.FhirPath.Json;

/// <summary>
/// The R4 model as the JSON engine needs it: for an element name of a type, the JSON key(s) it is written under
/// (<c>valueQuantity</c> for <c>value</c> of type Quantity) and the type each key gives. Taken from Firely's
/// <see cref="ClassMapping"/>s of the model classes, imported only as views reach them (<see cref="R4Types"/>), so both
/// engines agree on what a path means without the start-up cost of Firely's whole-model inspector.
/// </summary>
internal static class JsonModel
{
    private static readonly ConcurrentDictionary<(ClassMapping Type, string Name), JsonElementInfo?> Elements = new();

    /// <summary>The element <paramref name="name"/> of <paramref name="type"/>, or <see langword="null"/> when the type has none.</summary>
    public static JsonElementInfo? Element(ClassMapping type, string name) =>
        Elements.GetOrAdd((type, name), static key => Create(key.Type, key.Name));

    /// <summary>The type a resource of <paramref name="resourceType"/> has, or <see langword="null"/>.</summary>
    public static ClassMapping? Resource(string resourceType) =>
        R4Types.Find(resourceType) is { IsResource: true } mapping ? mapping : null;

    /// <summary>Whether values of <paramref name="type"/> are FHIR primitives (written as JSON values with a <c>_x</c> twin).</summary>
    public static bool IsPrimitive(ClassMapping type) => type.IsFhirPrimitive;

    /// <summary>Whether <paramref name="type"/> is <paramref name="test"/> or derives from it (an Age is a Quantity; a code is not a string).</summary>
    public static bool IsA(ClassMapping type, ClassMapping test) => test.NativeType.IsAssignableFrom(type.NativeType);

    private static JsonElementInfo? Create(ClassMapping type, string name)
    {
        var property = R4Types.Element(type, name);
        if (property is null)
        {
            return null;
        }

        var types = R4Types.ChoiceTypes(property);
        var isChoice = property.Choice == Hl7.Fhir.Introspection.ChoiceType.DatatypeChoice;
        var isResource = !isChoice && types.Count == 1 && types[0].NativeType == typeof(Resource);
        return new JsonElementInfo(
            property.Name,
            Encoding.UTF8.GetBytes(property.Name),
            Encoding.UTF8.GetBytes("_" + property.Name),
            isChoice,
            isResource,
            isChoice || isResource ? null : types[0],
            isChoice || isResource ? PathValueKind.None : JsonNode.KindOf(types[0]),
            [.. types],
            [.. types.Select(JsonNode.KindOf)]);
    }

    /// <summary>
    /// Where in <paramref name="allowed"/> the type a choice key's suffix names is (<c>Quantity</c>, <c>DateTime</c> →
    /// dateTime), or -1.
    /// </summary>
    public static int ChoiceIndex(ReadOnlySpan<byte> suffix, IReadOnlyList<ClassMapping> allowed)
    {
        // Indexed: a foreach over the list would allocate an enumerator for every choice member read.
        for (var i = 0; i < allowed.Count; i++)
        {
            if (SuffixMatches(suffix, allowed[i].Name))
            {
                return i;
            }
        }

        return -1;
    }

    // The key's suffix is the type name with its first letter upper-cased (valueDateTime, valueQuantity).
    private static bool SuffixMatches(ReadOnlySpan<byte> suffix, string typeName)
    {
        if (suffix.Length != typeName.Length)
        {
            return false;
        }

        if (suffix[0] != (byte)char.ToUpperInvariant(typeName[0]))
        {
            return false;
        }

        for (var i = 1; i < suffix.Length; i++)
        {
            if (suffix[i] != typeName[i])
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>An element of a type, as written in JSON.</summary>
/// <param name="Name">The FHIR element name (<c>value</c> for <c>value[x]</c>).</param>
/// <param name="Key">The JSON key of a non-choice element (or the prefix of a choice element's keys), UTF-8.</param>
/// <param name="ExtensionKey">The key of the primitive-extension twin (<c>_birthDate</c>).</param>
/// <param name="IsChoice">Whether the key carries the type (<c>valueQuantity</c>).</param>
/// <param name="IsResource">Whether the element holds whole resources (<c>contained</c>), typed by their <c>resourceType</c>.</param>
/// <param name="Type">The element's type when it has exactly one.</param>
/// <param name="Kind">The kind of value <paramref name="Type"/> holds (<see cref="PathValueKind.None"/> without one).</param>
/// <param name="Choices">The types a choice element allows.</param>
/// <param name="ChoiceKinds">The kind of value each of <paramref name="Choices"/> holds, in the same order.</param>
/// <remarks>
/// The kinds are worked out here, once per element, because Firely's <see cref="ClassMapping.IsFhirPrimitive"/> tests
/// the class hierarchy on every call, and every item navigation finds needs its kind.
/// </remarks>
internal sealed record JsonElementInfo(
    string Name,
    byte[] Key,
    byte[] ExtensionKey,
    bool IsChoice,
    bool IsResource,
    ClassMapping? Type,
    PathValueKind Kind,
    IReadOnlyList<ClassMapping> Choices,
    IReadOnlyList<PathValueKind> ChoiceKinds);
