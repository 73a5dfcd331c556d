using System.Security.Cryptography;
using System.Text;
using FhirBulk.Views;

namespace FhirBulk.Sync;

/// <summary>
/// The views a sync keeps tables of, with a fingerprint of their definitions: when it differs from the one a sync folder
/// recorded, <see cref="FhirSync.SyncAsync"/> rebuilds the tables from every increment instead of applying only the new one.
/// </summary>
public sealed class SyncViews
{
    private SyncViews(IReadOnlyList<ICompiledView> views, string fingerprint)
    {
        Views = views;
        Fingerprint = fingerprint;
    }

    /// <summary>The compiled views, one table each.</summary>
    public IReadOnlyList<ICompiledView> Views { get; }

    /// <summary>The SHA-256 (hex) of the definitions' names and texts, in order: any edit, added or removed view changes it.</summary>
    public string Fingerprint { get; }

    /// <summary>Loads the ViewDefinition of a file, or of every <c>*.json</c> file of a folder, as <see cref="ViewDefinitionLoader.Load"/> does.</summary>
    /// <param name="path">A ViewDefinition JSON file or a folder of them.</param>
    /// <param name="options">Compiler options; <see cref="ViewCompilerOptions.TableName"/> must be unset.</param>
    /// <returns>The views and their fingerprint.</returns>
    /// <exception cref="InvalidInputException">The path does not exist or holds no view.</exception>
    /// <exception cref="ViewDefinitionException">A view is malformed.</exception>
    public static SyncViews Load(string path, ViewCompilerOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        IReadOnlyList<string> files = Directory.Exists(path) ? ViewDefinitionLoader.ListFiles(path) : File.Exists(path) ? [path] : [];
        if (files.Count == 0)
        {
            // The loader names what is missing in its own words.
            ViewDefinitionLoader.Load(path, options);
        }

        // Errors name each file as the user's path reaches it (views/patients.json), as view's do; the fingerprint keys it by
        // its name alone, so that the same views read from another folder are no change that rebuilds the tables.
        List<KeyValuePair<string, string>> definitions = [.. files.Select(f => KeyValuePair.Create(f, File.ReadAllText(f)))];
        return Create(definitions, [.. definitions.Select(d => KeyValuePair.Create(Path.GetFileName(d.Key), d.Value))], options);
    }

    /// <summary>Compiles ViewDefinition JSON texts, each keyed by a name (its file name, say) that errors and the fingerprint use.</summary>
    /// <param name="definitions">The names and JSON texts.</param>
    /// <param name="options">Compiler options; <see cref="ViewCompilerOptions.TableName"/> must be unset.</param>
    /// <returns>The views and their fingerprint.</returns>
    /// <exception cref="ViewDefinitionException">A view is malformed.</exception>
    public static SyncViews FromJson(IEnumerable<KeyValuePair<string, string>> definitions, ViewCompilerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(definitions);
        List<KeyValuePair<string, string>> list = [.. definitions];
        return Create(list, list, options);
    }

    private static SyncViews Create(List<KeyValuePair<string, string>> definitions, List<KeyValuePair<string, string>> fingerprinted, ViewCompilerOptions? options)
    {
        // No view column can clash with the key columns: the spec's column names start with a letter, theirs with '_'.
        var views = ViewDefinitionLoader.Compile(definitions, options);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (name, json) in fingerprinted)
        {
            // Lengths first, so that no two lists of texts hash alike by shifting a boundary.
            hash.AppendData(Encoding.UTF8.GetBytes($"{name.Length}:{name}{json.Length}:"));
            hash.AppendData(Encoding.UTF8.GetBytes(json));
        }

        return new SyncViews(views, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }
}
