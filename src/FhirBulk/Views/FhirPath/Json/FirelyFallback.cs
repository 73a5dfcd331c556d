using System.Text;
using System.Text.Json;
using FhirBulk.Views.FhirPath.Model;
using Hl7.Fhir.ElementModel;
using Hl7.Fhir.Introspection;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using P = Hl7.Fhir.ElementModel.Types;

namespace FhirBulk.Views.FhirPath.Json;

/// <summary>
/// An expression the JSON engine does not cover, evaluated by Firely inside a view that otherwise runs on the JSON
/// engine. The resource is parsed into Firely objects once per resource and view, and only when such an expression
/// runs; a focus below the resource (a <c>forEach</c> item) is read into Firely from its own bytes, and the results go
/// back as JSON nodes, so that the rest of the view goes on over bytes.
/// </summary>
internal sealed class FirelyFallback(IPathExpression<PocoNode> firely, FirelyPathEngine engine) : IPathExpression<JsonNode>
{
    // Ostrich mode, as the Firely engine reads resources: bulk data is read here, not judged.
    private static readonly FhirJsonDeserializer Deserializer =
        FirelyModel.Use(() => new FhirJsonDeserializer(new DeserializerSettings().UsingMode(DeserializationMode.Ostrich)));

    // Extension.value[x] takes every R4 data type, so a primitive and its _x twin travel between the engines as the
    // value of an extension: Firely then reads and writes them exactly as it does inside a resource.
    private static readonly byte[] ExtensionHead = "{\"url\":\"x\""u8.ToArray();

    public string ElementPath => firely.ElementPath;

    public PathShape Result => firely.Result;

    public IReadOnlyList<JsonNode> Evaluate(JsonNode? focus, IPathRun<JsonNode> run)
    {
        var jsonRun = (JsonRun)run;
        var firelyRun = jsonRun.FirelyRun(engine);
        firelyRun.RowIndex = run.RowIndex;
        var firelyFocus = focus is null ? null
            : ReferenceEquals(focus, jsonRun.Resource) ? firelyRun.Resource
            : ToFirely(focus);
        var result = firely.Evaluate(firelyFocus, firelyRun);
        if (result.Count == 0)
        {
            return [];
        }

        var nodes = new JsonNode[result.Count];
        for (var i = 0; i < nodes.Length; i++)
        {
            nodes[i] = ToJson(result[i]);
        }

        return nodes;
    }

    /// <summary>The Firely node holding what <paramref name="node"/> holds.</summary>
    internal static PocoNode ToFirely(JsonNode node)
    {
        // A made value (a literal, a constant, a computed value) always has one.
        if (node.Type is not { } type || (node.Start < 0 && node.ExtensionStart < 0))
        {
            return PocoNode.ForAnyPrimitive(node.Value!);
        }

        var json = node.Json.Span;
        Base? value;
        if (JsonModel.IsPrimitive(type))
        {
            value = Deserialize(typeof(Extension), PrimitiveAsExtension(json, node, type)) is Extension { Value: { } primitive } ? primitive : null;
        }
        else
        {
            value = Deserialize(type.NativeType, json[node.Start..node.End]);
        }

        return value?.ToPocoNode() ?? throw new InvalidOperationException($"cannot read a {type.Name} into Firely objects");
    }

    /// <summary>The JSON node holding what <paramref name="node"/> holds.</summary>
    internal static JsonNode ToJson(PocoNode node)
    {
        var value = ((ITypedElement)node).Value;
        switch (node.Poco)
        {
            case PrimitiveType primitive when primitive.Extension.Count == 0 && primitive.ElementId is null && value is not null:
                var mapping = R4Types.Of(primitive.GetType());
                return mapping is not null ? JsonNode.Made(mapping, RowValue(value)) : JsonNode.Made(KindOf(value), RowValue(value));
            case PrimitiveType primitive:
                return PrimitiveFromExtension(primitive);
            case Resource resource:
                var bytes = Encoding.UTF8.GetBytes(node.ToJson(false));
                return JsonNode.Root(bytes, JsonModel.Resource(resource.TypeName)!, TopLevelIndex.Build(bytes));
            case { } complex:
                var json = Encoding.UTF8.GetBytes(node.ToJson(false));
                return JsonNode.FromJson(json, 0, json.Length, -1, -1, R4Types.Of(complex.GetType())!);
            default:
                return JsonNode.Made(KindOf(value!), RowValue(value!));
        }
    }

    // As the Firely engine gives a value to a row (FirelyPathEngine.ToRowValue), so both engines write the same text.
    private static object RowValue(object value) => value switch
    {
        string or bool or int or long or decimal or P.Quantity => value,
        _ => value.ToString()!,
    };

    private static PathValueKind KindOf(object value) => value switch
    {
        bool => PathValueKind.Boolean,
        int => PathValueKind.Integer,
        long => PathValueKind.Long,
        decimal => PathValueKind.Decimal,
        P.Quantity => PathValueKind.Quantity,
        P.Date => PathValueKind.Date,
        P.DateTime => PathValueKind.DateTime,
        P.Time => PathValueKind.Time,
        _ => PathValueKind.String,
    };

    private static Base? Deserialize(Type type, ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        return Deserializer.TryDeserializeObject(type, ref reader, out var value, out _) ? value : null;
    }

    // {"url":"x","valueCode":<value>,"_valueCode":<twin>} for a primitive of type code.
    private static byte[] PrimitiveAsExtension(ReadOnlySpan<byte> json, JsonNode node, ClassMapping type)
    {
        var key = Encoding.UTF8.GetBytes("value" + char.ToUpperInvariant(type.Name[0]) + type.Name[1..]);
        using var buffer = new MemoryStream();
        buffer.Write(ExtensionHead);
        if (node.Start >= 0)
        {
            Member(buffer, key, twin: false, json[node.Start..node.End]);
        }

        if (node.ExtensionStart >= 0)
        {
            Member(buffer, key, twin: true, json[node.ExtensionStart..node.ExtensionEnd]);
        }

        buffer.WriteByte((byte)'}');
        return buffer.ToArray();
    }

    private static void Member(MemoryStream buffer, byte[] key, bool twin, ReadOnlySpan<byte> value)
    {
        buffer.Write(",\""u8);
        if (twin)
        {
            buffer.WriteByte((byte)'_');
        }

        buffer.Write(key);
        buffer.Write("\":"u8);
        buffer.Write(value);
    }

    // A primitive with an id or extensions keeps them: written by Firely as an extension's value, then indexed.
    private static JsonNode PrimitiveFromExtension(PrimitiveType primitive)
    {
        var bytes = Encoding.UTF8.GetBytes(new Extension("x", primitive).ToPocoNode().ToJson(false));
        int start = -1, end = -1, twinStart = -1, twinEnd = -1;
        foreach (var member in TopLevelIndex.Build(bytes).Members)
        {
            var name = bytes.AsSpan(member.NameStart, member.NameEnd - member.NameStart);
            if (name.StartsWith("value"u8))
            {
                (start, end) = (member.ValueStart, member.ValueEnd);
            }
            else if (name.StartsWith("_value"u8))
            {
                (twinStart, twinEnd) = (member.ValueStart, member.ValueEnd);
            }
        }

        return JsonNode.FromJson(bytes, start, end, twinStart, twinEnd, R4Types.Of(primitive.GetType())!);
    }
}
