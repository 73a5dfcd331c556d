using System.Runtime.CompilerServices;
using Hl7.Fhir.Introspection;

namespace FhirBulk.Views.FhirPath.Json;

/// <summary>
/// Child navigation over the bytes: finds the members of one object that hold an element (its key, its choice keys,
/// its <c>_x</c> twin) in a single pass, skipping every other member without reading it, and yields one node per item.
/// </summary>
internal static class JsonNavigation
{
    /// <summary>Adds the items of element <paramref name="name"/> of <paramref name="parent"/> to <paramref name="output"/>.</summary>
    public static void Children(JsonNode parent, string name, List<JsonNode> output)
    {
        if (parent.Type is not null && JsonModel.Element(parent.Type, name) is { } element)
        {
            Children(parent, element, output);
        }
    }

    /// <summary>Adds the items of <paramref name="element"/> (an element of the parent's type) to <paramref name="output"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Children(JsonNode parent, JsonElementInfo element, List<JsonNode> output)
    {
        // A primitive's own children (id, extension) live in its _x twin.
        int objectStart;
        int objectEnd;
        if (parent.Kind != PathValueKind.None)
        {
            if (parent.ExtensionStart < 0)
            {
                return;
            }

            (objectStart, objectEnd) = (parent.ExtensionStart, parent.ExtensionEnd);
        }
        else
        {
            (objectStart, objectEnd) = (parent.Start, parent.End);
        }

        var json = parent.Json.Span;
        if (parent.Members is { } index)
        {
            // Every path step from a resource looks through all its top-level members: a member whose name cannot be
            // the element's key or its twin (too short, or another first letter) is passed over without the call.
            foreach (var member in index.Members)
            {
                if (MayMatch(json, member.NameStart, member.NameEnd, element.Key))
                {
                    Match(parent, element, json, member.NameStart, member.NameEnd, member.ValueStart, member.ValueEnd, output);
                }
            }

            return;
        }

        if (json[objectStart] != (byte)'{')
        {
            return;
        }

        var at = objectStart + 1;
        while (at < objectEnd && JsonText.NextMember(json, ref at, out var nameStart, out var nameEnd, out var valueStart, out var valueEnd))
        {
            if (MayMatch(json, nameStart, nameEnd, element.Key))
            {
                Match(parent, element, json, nameStart, nameEnd, valueStart, valueEnd, output);
            }
        }
    }

    // Whether the member named by the bytes from nameStart to nameEnd could be the element (key) or its _x twin: long
    // enough, and starting as the key does or with '_'. Most members are neither, and are passed over without Match.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool MayMatch(ReadOnlySpan<byte> json, int nameStart, int nameEnd, byte[] key) =>
        nameEnd - nameStart >= key.Length && json[nameStart] is var first && (first == key[0] || first == (byte)'_');

    // One member against the element: the value's key, or its _x twin (collected in the order they are written,
    // then paired up by the caller through Pair), or a choice key.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Match(
        JsonNode parent, JsonElementInfo element, ReadOnlySpan<byte> json, int nameStart, int nameEnd, int valueStart, int valueEnd, List<JsonNode> output)
    {
        var name = json[nameStart..nameEnd];
        var isTwin = name.Length > 0 && name[0] == (byte)'_';
        var key = isTwin ? name[1..] : name;
        if (!key.StartsWith(element.Key))
        {
            return;
        }

        ClassMapping? type;
        PathValueKind kind;
        if (element.IsChoice)
        {
            var choice = key.Length == element.Key.Length ? -1 : JsonModel.ChoiceIndex(key[element.Key.Length..], element.Choices);
            if (choice < 0)
            {
                return;
            }

            (type, kind) = (element.Choices[choice], element.ChoiceKinds[choice]);
        }
        else if (key.Length != element.Key.Length)
        {
            return;
        }
        else
        {
            (type, kind) = (element.Type, element.Kind);
        }

        if (!isTwin)
        {
            AddItems(parent, element, type, kind, json, (valueStart, valueEnd), FindTwin(parent, json, name), output);
        }
        else if (FindMember(parent, json, key, twin: false).Start < 0)
        {
            // A primitive with only its _x twin (extensions, no value) is still an item.
            AddItems(parent, element, type, kind, json, (-1, -1), (valueStart, valueEnd), output);
        }
    }

    // The value span of the member named key (or, with twin, of its _x twin), or (-1, -1).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (int Start, int End) FindMember(JsonNode parent, ReadOnlySpan<byte> json, ReadOnlySpan<byte> key, bool twin)
    {
        if (parent.Members is { } index)
        {
            foreach (var member in index.Members)
            {
                if (NameIs(json[member.NameStart..member.NameEnd], key, twin))
                {
                    return (member.ValueStart, member.ValueEnd);
                }
            }

            return (-1, -1);
        }

        var objectStart = parent.Kind != PathValueKind.None ? parent.ExtensionStart : parent.Start;
        var at = objectStart + 1;
        while (JsonText.NextMember(json, ref at, out var nameStart, out var nameEnd, out var valueStart, out var valueEnd))
        {
            if (NameIs(json[nameStart..nameEnd], key, twin))
            {
                return (valueStart, valueEnd);
            }
        }

        return (-1, -1);
    }

    // The value span of the _x twin of member name, or (-1, -1). Most objects have no twins: a resource's index knows
    // whether it has any, and elsewhere one vectorised search of the object's bytes for "_name" rules the twin out
    // without walking the members again; where the bytes occur (a twin, or the same name in a nested object), the
    // members are walked.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (int Start, int End) FindTwin(JsonNode parent, ReadOnlySpan<byte> json, ReadOnlySpan<byte> name)
    {
        if (parent.Members is { HasTwins: false })
        {
            return (-1, -1);
        }

        var objectStart = parent.Kind != PathValueKind.None ? parent.ExtensionStart : parent.Start;
        var objectEnd = parent.Kind != PathValueKind.None ? parent.ExtensionEnd : parent.End;
        if (parent.Members is null && name.Length <= 128)
        {
            // No '_' anywhere in the object, the common case, is one byte search; only where there is one is the
            // quoted twin key searched for.
            var content = json[objectStart..objectEnd];
            if (!content.Contains((byte)'_'))
            {
                return (-1, -1);
            }

            Span<byte> quoted = stackalloc byte[name.Length + 3];
            quoted[0] = (byte)'"';
            quoted[1] = (byte)'_';
            name.CopyTo(quoted[2..]);
            quoted[^1] = (byte)'"';
            if (content.IndexOf(quoted) < 0)
            {
                return (-1, -1);
            }
        }

        return FindMember(parent, json, name, twin: true);
    }

    private static bool NameIs(ReadOnlySpan<byte> name, ReadOnlySpan<byte> key, bool twin) =>
        twin ? name.Length == key.Length + 1 && name[0] == (byte)'_' && name[1..].SequenceEqual(key) : name.SequenceEqual(key);

    // The items of one element: its value (an item or an array of them) paired with its _x twin item by item.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddItems(
        JsonNode parent,
        JsonElementInfo element,
        ClassMapping? type,
        PathValueKind kind,
        ReadOnlySpan<byte> json,
        (int Start, int End) value,
        (int Start, int End) twin,
        List<JsonNode> output)
    {
        var memory = parent.Json;
        var valueIsArray = value.Start >= 0 && json[value.Start] == (byte)'[';
        var twinIsArray = twin.Start >= 0 && json[twin.Start] == (byte)'[';
        if (!valueIsArray && !twinIsArray)
        {
            Add(memory, element, type, kind, json, value.Start, value.End, twin.Start, twin.End, output);
            return;
        }

        var at = valueIsArray ? value.Start + 1 : -1;
        var twinAt = twinIsArray ? twin.Start + 1 : -1;
        while (true)
        {
            int itemStart = -1, itemEnd = -1, twinStart = -1, twinEnd = -1;
            var hasValue = at >= 0 && JsonText.NextItem(json, ref at, out itemStart, out itemEnd);
            var hasTwin = twinAt >= 0 && JsonText.NextItem(json, ref twinAt, out twinStart, out twinEnd);
            if (!hasValue && !hasTwin)
            {
                return;
            }

            Add(
                memory, element, type, kind, json, hasValue ? itemStart : -1, hasValue ? itemEnd : -1,
                hasTwin && !JsonText.IsNull(json, twinStart) ? twinStart : -1, hasTwin ? twinEnd : -1, output);
        }
    }

    private static void Add(
        ReadOnlyMemory<byte> memory,
        JsonElementInfo element,
        ClassMapping? type,
        PathValueKind kind,
        ReadOnlySpan<byte> json,
        int start,
        int end,
        int twinStart,
        int twinEnd,
        List<JsonNode> output)
    {
        var isNull = start < 0 || JsonText.IsNull(json, start);
        if (isNull && twinStart < 0)
        {
            return;
        }

        if (element.IsResource)
        {
            // A resource is never a primitive.
            (type, kind) = (isNull ? null : ResourceType(json, start, end), PathValueKind.None);
        }

        if (type is null)
        {
            return;
        }

        output.Add(JsonNode.Navigated(memory, isNull ? -1 : start, isNull ? -1 : end, twinStart, twinEnd, type, kind));
    }

    private static ClassMapping? ResourceType(ReadOnlySpan<byte> json, int start, int end)
    {
        if (json[start] != (byte)'{')
        {
            return null;
        }

        var at = start + 1;
        while (at < end && JsonText.NextMember(json, ref at, out var nameStart, out var nameEnd, out var valueStart, out var valueEnd))
        {
            if (json[nameStart..nameEnd].SequenceEqual("resourceType"u8) && json[valueStart] == (byte)'"')
            {
                return JsonModel.Resource(JsonText.DecodeString(json, valueStart, valueEnd));
            }
        }

        return null;
    }
}
