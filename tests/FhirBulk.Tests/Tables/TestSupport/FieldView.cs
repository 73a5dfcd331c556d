using System.Globalization;
using System.Text.Json;
using FhirBulk.Ndjson;
using FhirBulk.Views;

namespace FhirBulk.Tests.Tables.TestSupport;

/// <summary>
/// A minimal <see cref="ICompiledView"/> for testing the pipeline and sinks without the
/// ViewDefinition engine: each column reads a dotted path of object properties ("subject.reference").
/// </summary>
public sealed class FieldView(string name, string resource, params (string Column, string Path, string? Type)[] columns) : ICompiledView, IBorrowingView
{
    // Its values are strings and numbers of their own: the runner lends it lines, as it does the engine's views.
    public bool KeepsNoBytes => true;

    public ViewSchema Schema { get; } = new(name, resource, [.. columns.Select(c => new ViewColumn(c.Column, c.Type, false))]);

    public ViewEngineChoice Engine { get; } = new(FhirPathEngineKind.Json);

    /// <summary>Makes <see cref="Evaluate"/> throw for resources with this id, to test error handling.</summary>
    public string? FailOnId { get; init; }

    /// <summary>Runs before each resource of the view's type is evaluated, to observe or hold up the pipeline.</summary>
    public Action<ResourceLine>? BeforeEvaluate { get; init; }

    public IEnumerable<object?[]> Evaluate(ResourceLine resource)
    {
        if (resource.ResourceType != Schema.Resource)
        {
            return [];
        }

        BeforeEvaluate?.Invoke(resource);

        if (resource.Id is not null && resource.Id == FailOnId)
        {
            throw new InvalidOperationException($"boom on {resource.Id}");
        }

        using var doc = JsonDocument.Parse(resource.Json);
        var row = new object?[columns.Length];
        for (int i = 0; i < columns.Length; i++)
        {
            row[i] = Read(doc.RootElement, columns[i].Path, columns[i].Type);
        }

        return [row];
    }

    private static object? Read(JsonElement element, string path, string? type)
    {
        foreach (string part in path.Split('.'))
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(part, out element))
            {
                return null;
            }
        }

        return element.ValueKind switch
        {
            JsonValueKind.String => element.GetString(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Number when type is "integer" => element.GetInt32(),
            JsonValueKind.Number => element.GetDecimal(),
            JsonValueKind.Null => null,
            _ => element.GetRawText(),
        };
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Schema.Name} over {Schema.Resource}");
}
