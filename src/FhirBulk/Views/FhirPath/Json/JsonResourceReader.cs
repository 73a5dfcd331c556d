using System.Runtime.CompilerServices;
using System.Text.Json;
using FhirBulk.Ndjson;

namespace FhirBulk.Views.FhirPath.Json;

/// <summary>
/// Reads resources for one or more views of the same resource type on the JSON engine: the top-level members of a
/// <see cref="ResourceLine"/> are indexed once however many views evaluate it, on whichever threads.
/// </summary>
internal sealed class JsonResourceReader
{
    // Keyed by the line instance, so that views evaluated on different threads, each with its own lines, share the
    // index without racing; an entry lives as long as its line does.
    private readonly ConditionalWeakTable<ResourceLine, JsonNode> _read = new();
    private int _views;
    private FirelyResourceReader? _firely;

    /// <summary>
    /// The reader of the Firely fallbacks (<see cref="FirelyFallback"/>) of the views sharing this reader, made when
    /// the first one is compiled.
    /// </summary>
    public FirelyResourceReader FirelyReader => _firely ??= new FirelyResourceReader();

    /// <summary>Counts one more view reading through this reader.</summary>
    public void Register() => Interlocked.Increment(ref _views);

    /// <summary>The resource's root node.</summary>
    /// <exception cref="ViewEvaluationException">The line is not a resource of a known type.</exception>
    public JsonNode Read(ResourceLine resource)
    {
        // A reader serving a single view never sees the same line twice, and its view's evaluation keeps nothing once
        // it ends: the root and its index are this thread's own, overwritten by the next resource.
        if (Volatile.Read(ref _views) <= 1)
        {
            return Index(resource, forThisThread: true);
        }

        return _read.GetValue(resource, static line => Index(line, forThisThread: false));
    }

    private static JsonNode Index(ResourceLine resource, bool forThisThread)
    {
        if (JsonModel.Resource(resource.ResourceType) is not { } type)
        {
            throw new ViewEvaluationException(resource.SourceName, resource.LineNumber, "", $"'{resource.ResourceType}' is not a FHIR R4 resource type", null);
        }

        try
        {
            return forThisThread
                ? JsonNode.RootForThisThread(resource.Json, type, TopLevelIndex.BuildForThisThread(resource))
                : JsonNode.Root(resource.Json, type, TopLevelIndex.Build(resource));
        }
        catch (Exception ex) when (ex is JsonException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            throw new ViewEvaluationException(
                resource.SourceName, resource.LineNumber, "", $"cannot read the {resource.ResourceType} resource: {ex.Message}", ex);
        }
    }
}
