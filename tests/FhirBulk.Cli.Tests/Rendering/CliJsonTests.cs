using System.Text.Json;
using System.Text.Json.Serialization;
using FhirBulk.Cli.Rendering;

namespace FhirBulk.Cli.Tests.Rendering;

public sealed class CliJsonTests
{
    [Fact]
    public void TestHost_ReflectionBasedSerialization_DisabledAsInTheNativeAotTool()
    {
        // Without it, a serialization no source generator covers passes every test and fails only in the AOT build.
        Assert.False(JsonSerializer.IsReflectionEnabledByDefault);
    }

    [Fact]
    public void JsonOutput_EveryEnumTheDocumentsHold_WrittenAsItsCamelCaseName()
    {
        var enums = Reachable(JsonOutput.Options).Where(t => t.IsEnum).ToList();

        Assert.NotEmpty(enums);
        foreach (var type in enums)
        {
            foreach (var value in Enum.GetValues(type))
            {
                Assert.Equal($"\"{JsonNamingPolicy.CamelCase.ConvertName(value.ToString()!)}\"", JsonSerializer.Serialize(value, JsonOutput.Options.GetTypeInfo(type)));
            }
        }
    }

    /// <summary>The types of CliJson's roots and of everything they hold, as <paramref name="options"/> resolve them.</summary>
    private static HashSet<Type> Reachable(JsonSerializerOptions options)
    {
        var roots = typeof(CliJson).GetCustomAttributesData()
            .Where(a => a.AttributeType == typeof(JsonSerializableAttribute))
            .Select(a => (Type)a.ConstructorArguments[0].Value!);
        var seen = new HashSet<Type>();
        var pending = new Queue<Type>(roots);
        while (pending.TryDequeue(out var type))
        {
            type = Nullable.GetUnderlyingType(type) ?? type;
            if (type == typeof(object) || !seen.Add(type))
            {
                continue;
            }

            var info = options.GetTypeInfo(type);
            foreach (var held in info.Properties.Select(p => p.PropertyType).Append(info.ElementType).Append(info.KeyType).OfType<Type>())
            {
                pending.Enqueue(held);
            }
        }

        return seen;
    }
}
