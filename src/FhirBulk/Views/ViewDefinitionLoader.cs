using FhirBulk.Views.Definition;

namespace FhirBulk.Views;

/// <summary>
/// Loads ViewDefinitions from JSON files (one file, or a folder of them) and compiles them together, naming the file in
/// every error.
/// </summary>
/// <remarks>
/// Every view is parsed before any is compiled, and all before any data is read, so a mistake in the last file is
/// found at once. Compiled together, views of one resource type share each resource's parse.
/// </remarks>
public static class ViewDefinitionLoader
{
    /// <summary>Loads and compiles the ViewDefinition of a file, or of every <c>*.json</c> file of a folder.</summary>
    /// <param name="path">A ViewDefinition JSON file, or a folder of them, read in ordinal order of name.</param>
    /// <param name="options">
    /// Options applied to every view; <see cref="ViewCompilerOptions.TableName"/> must be unset, since the tables need
    /// distinct names.
    /// </param>
    /// <returns>The compiled views, one per file, in the order read.</returns>
    /// <exception cref="InvalidInputException"><paramref name="path"/> does not exist, or is a folder without <c>*.json</c> files.</exception>
    /// <exception cref="ViewDefinitionException">
    /// A view is malformed or breaks the spec, or has the name of an earlier one (case aside);
    /// <see cref="ViewDefinitionException.FileName"/> names its file, and the message starts with it.
    /// </exception>
    /// <exception cref="ArgumentException">A table name was given.</exception>
    public static IReadOnlyList<ICompiledView> Load(string path, ViewCompilerOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        IReadOnlyList<string> files;
        if (Directory.Exists(path))
        {
            files = ListFiles(path);
            if (files.Count == 0)
            {
                throw new InvalidInputException($"no ViewDefinition (*.json) in {path}.");
            }
        }
        else if (File.Exists(path))
        {
            files = [path];
        }
        else
        {
            throw new InvalidInputException($"view file or folder not found: {path}");
        }

        return Compile(files.Select(f => KeyValuePair.Create(f, File.ReadAllText(f))), options);
    }

    /// <summary>Parses and compiles ViewDefinition JSON texts together.</summary>
    /// <param name="views">The JSON texts, each keyed by the file it came from (or another name errors can use).</param>
    /// <param name="options">
    /// Options applied to every view; <see cref="ViewCompilerOptions.TableName"/> must be unset, since the tables need
    /// distinct names.
    /// </param>
    /// <returns>The compiled views, in the order given.</returns>
    /// <exception cref="ViewDefinitionException">
    /// A view is malformed or breaks the spec, or has the name of an earlier one (case aside);
    /// <see cref="ViewDefinitionException.FileName"/> is its key, and the message starts with it.
    /// </exception>
    /// <exception cref="ArgumentException">A table name was given.</exception>
    public static IReadOnlyList<ICompiledView> Compile(IEnumerable<KeyValuePair<string, string>> views, ViewCompilerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(views);
        var parsed = new List<(ViewDefinition, string?)>();
        foreach (var (fileName, json) in views)
        {
            try
            {
                parsed.Add((ViewDefinitionParser.Parse(json), fileName));
            }
            catch (ViewDefinitionException e)
            {
                throw new ViewDefinitionException(fileName, e);
            }
        }

        return ViewDefinitionCompiler.CompileAll(parsed, options);
    }

    /// <summary>The <c>*.json</c> files of <paramref name="folder"/>, in ordinal order.</summary>
    internal static IReadOnlyList<string> ListFiles(string folder) =>
        Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal).ToList();
}
