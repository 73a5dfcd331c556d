using System.Text.Json;
using System.Text.RegularExpressions;
using FhirBulk.Ndjson;
using FhirBulk.Views.Definition;
using FhirBulk.Views.FhirPath.Model;
using Hl7.Fhir.Introspection;

namespace FhirBulk.Views.Workshop;

/// <summary>
/// Builds the workshop's "flatten everything" table for a resource type with no column mapping:
/// one column per leaf value, named as flatten_json names them (<c>name_0_given_0</c>), over the
/// union of the leaves of every resource scanned, as a ViewDefinition that the engine then runs
/// in a second pass.
/// </summary>
/// <remarks>
/// Column order is stable: fields in the order they were first seen, each field's array items by
/// index, nested fields right after their parent. Choice elements become <c>ofType</c> paths
/// (<c>valueQuantity</c> → <c>value.ofType(Quantity)</c>). Primitive extensions (<c>_birthDate</c>)
/// and <c>contained</c> resources are left out: FHIRPath does not reach the former by name, and
/// the latter are other resources with their own tables.
/// </remarks>
public sealed partial class FlattenViewBuilder
{
    private readonly FieldNode _root;

    /// <summary>Starts a builder for resources of <paramref name="resourceType"/>.</summary>
    /// <exception cref="ArgumentException">The type is not an R4 resource type.</exception>
    public FlattenViewBuilder(string resourceType)
    {
        ArgumentException.ThrowIfNullOrEmpty(resourceType);
        var mapping = FirelyModel.R4.FindClassMapping(resourceType);
        if (mapping is not { IsResource: true })
        {
            throw new ArgumentException($"'{resourceType}' is not a FHIR R4 resource type", nameof(resourceType));
        }

        ResourceType = resourceType;
        _root = new FieldNode("", "", mapping);
    }

    /// <summary>The resource type this builder scans.</summary>
    public string ResourceType { get; }

    /// <summary>How many resources have been scanned.</summary>
    public long ResourceCount { get; private set; }

    /// <summary>How many columns the table has so far.</summary>
    public int ColumnCount => _root.CountLeaves();

    /// <summary>Scans one resource; resources of other types are ignored.</summary>
    /// <exception cref="ViewEvaluationException">The line is not valid JSON.</exception>
    public void Add(ResourceLine resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        if (!string.Equals(resource.ResourceType, ResourceType, StringComparison.Ordinal))
        {
            return;
        }

        try
        {
            using var document = JsonDocument.Parse(resource.Json);
            Add(document.RootElement);
        }
        catch (JsonException ex)
        {
            throw new ViewEvaluationException(resource.SourceName, resource.LineNumber, "", $"not valid JSON: {ErrorText.Describe(ex)}", ex);
        }
    }

    /// <summary>Scans one resource given as a JSON object.</summary>
    public void Add(JsonElement resource)
    {
        if (resource.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        ResourceCount++;
        foreach (var property in resource.EnumerateObject())
        {
            if (property.Name is not ("resourceType" or "contained") && !property.Name.StartsWith('_'))
            {
                Scan(_root.Field(property.Name), property.Value);
            }
        }
    }

    /// <summary>The ViewDefinition of the table: one column per leaf seen, in stable order.</summary>
    /// <param name="name">The view (table) name; the default is the resource type in lower case.</param>
    public ViewDefinition Build(string? name = null)
    {
        var columns = new List<ColumnDefinition>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        _root.Emit(columns, names);
        var select = new SelectClause("select[0]", columns, [], null, null, null, []);
        return new ViewDefinition(name ?? ResourceType.ToLowerInvariant(), ResourceType, [], [select], []);
    }

    private static void Scan(FieldNode node, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in value.EnumerateObject())
                {
                    if (!property.Name.StartsWith('_'))
                    {
                        Scan(node.Field(property.Name), property.Value);
                    }
                }

                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    Scan(node.Item(index++), item);
                }

                break;
            case JsonValueKind.Null or JsonValueKind.Undefined:
                break;
            default:
                node.IsLeaf = true;
                break;
        }
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9]*$")]
    private static partial Regex PlainIdentifier();

    [GeneratedRegex("[^A-Za-z0-9_]")]
    private static partial Regex NotSqlNameCharacter();

    /// <summary>One field (or array item) seen in some resource, with its FHIRPath and column name.</summary>
    private sealed class FieldNode(string path, string columnName, ClassMapping? mapping)
    {
        private readonly Dictionary<string, FieldNode> _fields = new(StringComparer.Ordinal);
        private readonly List<FieldNode> _fieldOrder = [];
        private readonly List<FieldNode> _items = [];

        public bool IsLeaf { get; set; }

        public FieldNode Field(string key)
        {
            if (_fields.TryGetValue(key, out var field))
            {
                return field;
            }

            var (step, childMapping) = Step(key);
            var childPath = path.Length == 0 ? step : $"{path}.{step}";
            var childName = columnName.Length == 0 ? key : $"{columnName}_{key}";
            field = new FieldNode(childPath, childName, childMapping);
            _fields.Add(key, field);
            _fieldOrder.Add(field);
            return field;
        }

        public FieldNode Item(int index)
        {
            while (_items.Count <= index)
            {
                var i = _items.Count;
                _items.Add(new FieldNode($"{path}[{i}]", $"{columnName}_{i}", mapping));
            }

            return _items[index];
        }

        public int CountLeaves() =>
            (IsLeaf ? 1 : 0) + _fieldOrder.Sum(f => f.CountLeaves()) + _items.Sum(i => i.CountLeaves());

        public void Emit(List<ColumnDefinition> columns, HashSet<string> names)
        {
            if (IsLeaf)
            {
                var name = UniqueName(columnName, names);
                columns.Add(new ColumnDefinition($"select[0].column[{columns.Count}]", name, path, null, false));
            }

            foreach (var field in _fieldOrder)
            {
                field.Emit(columns, names);
            }

            foreach (var item in _items)
            {
                item.Emit(columns, names);
            }
        }

        // The FHIRPath step for a JSON key, resolving choice elements (valueQuantity is
        // value.ofType(Quantity)) through the R4 model when the parent's type is known.
        private (string Step, ClassMapping? Mapping) Step(string key)
        {
            var identifier = PlainIdentifier().IsMatch(key) ? key : $"`{key}`";
            if (mapping is null)
            {
                return (identifier, null);
            }

            if (mapping.FindMappedElementByName(key) is { } element)
            {
                return (identifier, element.FhirTypeMappings.Count == 1 ? element.FhirTypeMappings[0] : null);
            }

            if (mapping.FindMappedElementByChoiceName(key) is { } choice && key.Length > choice.Name.Length)
            {
                var suffix = key[choice.Name.Length..];
                var primitiveName = char.ToLowerInvariant(suffix[0]) + suffix[1..];
                var type = FirelyModel.R4.FindClassMapping(primitiveName) is { IsFhirPrimitive: true } primitive
                    ? primitive
                    : FirelyModel.R4.FindClassMapping(suffix);
                return ($"{choice.Name}.ofType({type?.Name ?? suffix})", type);
            }

            return (identifier, null);
        }

        private static string UniqueName(string name, HashSet<string> names)
        {
            var clean = NotSqlNameCharacter().Replace(name, "_");
            if (clean.Length == 0 || !char.IsAsciiLetter(clean[0]))
            {
                clean = "c_" + clean;
            }

            var unique = clean;
            for (var n = 2; !names.Add(unique); n++)
            {
                unique = $"{clean}_{n}";
            }

            return unique;
        }
    }
}
