using FhirBulk.Views;

namespace FhirBulk.Cli.Commands;

/// <summary>Loads and compiles the ViewDefinitions a <c>--view FILE|DIR</c> option names.</summary>
internal static class ViewFiles
{
    public static IReadOnlyList<ICompiledView> Compile(string path)
    {
        IEnumerable<string> files;
        if (Directory.Exists(path))
        {
            files = Directory.EnumerateFiles(path, "*.json").Order(StringComparer.Ordinal).ToList();
            if (!files.Any())
            {
                throw new CliException($"no ViewDefinition (*.json) in {path}.");
            }
        }
        else if (File.Exists(path))
        {
            files = [path];
        }
        else
        {
            throw new CliException($"view file or folder not found: {path}");
        }

        var views = new List<FhirBulk.Views.Definition.ViewDefinition>();
        foreach (var file in files)
        {
            try
            {
                views.Add(FhirBulk.Views.Definition.ViewDefinitionParser.Parse(File.ReadAllText(file)));
            }
            catch (ViewDefinitionException e)
            {
                // Every view is checked before any data is read, and the file is named.
                throw new CliException($"{file}: {e.Message}", ExitCodes.InvalidInput, e);
            }
        }

        try
        {
            // Compiled together, views of one resource type share each resource's parse.
            return ViewDefinitionCompiler.CompileAll(views);
        }
        catch (ViewDefinitionException e)
        {
            throw new CliException($"{path}: {e.Message}", ExitCodes.InvalidInput, e);
        }
    }
}
