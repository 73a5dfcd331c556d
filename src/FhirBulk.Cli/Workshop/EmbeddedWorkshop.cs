using FhirBulk.Workshop;

namespace FhirBulk.Cli.Workshop;

/// <summary>The copy of examples/workshop built into the tool (see the csproj).</summary>
internal static class EmbeddedWorkshop
{
    private const string ViewsPrefix = "workshop/views/";
    private const string QueriesPrefix = "workshop/queries/";

    public static WorkshopDefinition Load()
    {
        var assembly = typeof(EmbeddedWorkshop).Assembly;
        string Read(string name)
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }

        var names = assembly.GetManifestResourceNames();
        return new WorkshopDefinition(
            names.Where(n => n.StartsWith(ViewsPrefix, StringComparison.Ordinal))
                .Select(n => KeyValuePair.Create(n[ViewsPrefix.Length..], Read(n))),
            names.Where(n => n.StartsWith(QueriesPrefix, StringComparison.Ordinal))
                .Select(n => KeyValuePair.Create(Path.GetFileNameWithoutExtension(n[QueriesPrefix.Length..]), Read(n))));
    }
}
