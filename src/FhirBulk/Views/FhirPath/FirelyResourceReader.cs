using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using FhirBulk.Ndjson;
using FhirBulk.Views.FhirPath.Model;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;

namespace FhirBulk.Views.FhirPath;

/// <summary>
/// Deserializes resources for one or more views of the same resource type: once per
/// <see cref="ResourceLine"/> however many views evaluate it, on whichever threads, and only the
/// top-level elements some view reads (<see cref="TopLevelProjection"/>).
/// </summary>
internal sealed class FirelyResourceReader
{
    // Stateless and thread-safe; Ostrich mode skips validation (2.5× faster than Strict), and
    // bulk data is read here, not judged.
    private static readonly FhirJsonDeserializer Deserializer =
        FirelyModel.Use(() => new FhirJsonDeserializer(new DeserializerSettings().UsingMode(DeserializationMode.Ostrich)));

    private readonly List<FirelyShapeAnalyzer> _analyzers = [];
    private readonly Lazy<TopLevelProjection?> _projection;

    // Keyed by the line instance, so that views evaluated on different threads, each with its
    // own lines, share parses without racing; an entry lives as long as its line does.
    private readonly ConditionalWeakTable<ResourceLine, PocoNode> _parsed = new();

    /// <param name="projectResources">Whether to skip the elements no view reads; off only to check it changes no row.</param>
    public FirelyResourceReader(bool projectResources = true)
    {
        _projection = new(() => projectResources ? CreateProjection() : null);
    }

    /// <summary>Whether a resource has been read (after which no view may be added).</summary>
    public bool Started => _projection.IsValueCreated;

    /// <summary>Adds the analysis of one view's expressions to what the projection must keep.</summary>
    public void Register(FirelyShapeAnalyzer analyzer)
    {
        if (Started)
        {
            throw new InvalidOperationException("Views must be compiled before they evaluate a resource.");
        }

        _analyzers.Add(analyzer);
    }

    /// <summary>The resource's root node, parsed once per <see cref="ResourceLine"/> instance.</summary>
    /// <exception cref="ViewEvaluationException">The JSON cannot be read.</exception>
    public PocoNode Read(ResourceLine resource)
    {
        // A reader serving a single view never sees the same line twice.
        if (_analyzers.Count <= 1)
        {
            return Deserialize(resource).ToPocoNode();
        }

        if (_parsed.TryGetValue(resource, out var cached))
        {
            return cached;
        }

        var root = Deserialize(resource).ToPocoNode();
        _parsed.AddOrUpdate(resource, root);
        return root;
    }

    private Resource Deserialize(ResourceLine resource)
    {
        byte[]? rented = null;
        try
        {
            var json = resource.Json.Span;
            if (_projection.Value is { } projection)
            {
                rented = ArrayPool<byte>.Shared.Rent(json.Length + 2);
                var length = projection.Project(json, rented);
                if (length >= 0)
                {
                    json = rented.AsSpan(0, length);
                }
            }

            var reader = new Utf8JsonReader(json);
            return Deserializer.DeserializeResource(ref reader);
        }
        catch (Exception ex) when (ex is DeserializationFailedException or JsonException or FormatException)
        {
            throw new ViewEvaluationException(
                resource.SourceName, resource.LineNumber, "", $"cannot read the {resource.ResourceType} resource: {ex.Message}", ex);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private TopLevelProjection? CreateProjection()
    {
        var elements = new HashSet<string>(StringComparer.Ordinal);
        foreach (var analyzer in _analyzers)
        {
            if (analyzer.RootElements is not { } read)
            {
                return null;
            }

            elements.UnionWith(read);
        }

        return new TopLevelProjection(elements);
    }
}
