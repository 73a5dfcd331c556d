using System.Collections;
using FhirBulk.Export;

namespace FhirBulk.Tests.Export;

/// <summary>Public results are immutable: what an export hands out cannot be changed through it.</summary>
public sealed class ImmutableResultsTests
{
    [Theory]
    [InlineData(typeof(ExportFileState))]
    public void ResultType_HasNoPublicSetterAndNoMutableCollection(Type type)
    {
        var properties = type.GetProperties();

        Assert.Empty(properties.Where(p => p.SetMethod is { IsPublic: true }).Select(p => p.Name));
        Assert.Empty(properties.Where(p => p.PropertyType != typeof(string) && typeof(IEnumerable).IsAssignableFrom(p.PropertyType)
            && (p.PropertyType.IsClass || !p.PropertyType.Name.StartsWith("IReadOnly", StringComparison.Ordinal))).Select(p => p.Name));
    }
}
