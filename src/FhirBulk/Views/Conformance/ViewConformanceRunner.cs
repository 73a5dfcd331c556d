using System.Text;
using FhirBulk.Ndjson;

namespace FhirBulk.Views.Conformance;

/// <summary>
/// Runs SQL-on-FHIR v2 conformance test files (the official format) against
/// <see cref="ViewDefinitionCompiler"/>: useful for the official suite and for anyone who writes
/// ViewDefinitions with test cases.
/// </summary>
/// <param name="options">How views are compiled (the engine to run them on); by default, as <see cref="ViewDefinitionCompiler"/> does.
/// Copied here: changing them afterwards does not change this runner.</param>
public sealed class ViewConformanceRunner(ViewCompilerOptions? options = null)
{
    private readonly ViewCompilerOptions? _options = options?.Copy();

    /// <summary>Finds the test files in <paramref name="paths"/>: files as given, folders' <c>*.json</c> sorted by name.</summary>
    /// <exception cref="FileNotFoundException">A path is neither a file nor a folder.</exception>
    public static IReadOnlyList<string> FindTestFiles(IEnumerable<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var files = new List<string>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                files.AddRange(Directory.EnumerateFiles(path, "*.json").Order(StringComparer.Ordinal));
            }
            else if (File.Exists(path))
            {
                files.Add(path);
            }
            else
            {
                throw new FileNotFoundException($"no test file or folder at '{path}'", path);
            }
        }

        return files;
    }

    /// <summary>Reads the test cases of every file in <paramref name="paths"/> (files or folders).</summary>
    public static async Task<IReadOnlyList<ConformanceTestCase>> LoadAsync(
        IEnumerable<string> paths, CancellationToken cancellationToken = default)
    {
        var cases = new List<ConformanceTestCase>();
        foreach (var file in FindTestFiles(paths))
        {
            var json = await File.ReadAllTextAsync(file, cancellationToken);
            cases.AddRange(ConformanceTestCase.Parse(Path.GetFileName(file), json));
        }

        return cases;
    }

    /// <summary>Runs every test in <paramref name="paths"/> (files or folders) and reports each one.</summary>
    public async Task<ConformanceReport> RunAsync(IEnumerable<string> paths, CancellationToken cancellationToken = default)
    {
        var cases = await LoadAsync(paths, cancellationToken);
        var results = new List<ConformanceTestResult>(cases.Count);
        foreach (var test in cases)
        {
            cancellationToken.ThrowIfCancellationRequested();
            results.Add(Run(test));
        }

        return new ConformanceReport(results);
    }

    /// <summary>Runs one test: compiles its view, evaluates it over the resources and checks the expectation.</summary>
    public ConformanceTestResult Run(ConformanceTestCase test)
    {
        ArgumentNullException.ThrowIfNull(test);
        ICompiledView view;
        List<object?[]> rows;
        try
        {
            view = ViewDefinitionCompiler.Compile(test.View, _options);
            rows = [.. Lines(test).SelectMany(view.Evaluate)];
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Any failure counts: a test file can hold anything, and one broken test must not
            // stop the run. Only our own exception types are a proper rejection, though.
            var expected = ex is ViewDefinitionException or ViewEvaluationException;
            return test.ExpectError && expected
                ? Result(test, null)
                : Result(test, $"{(expected ? "unexpected error" : ex.GetType().Name)}: {ex.Message}");
        }

        if (test.ExpectError)
        {
            return Result(test, $"expected an error, got {rows.Count} row(s)");
        }

        if (test.ExpectColumns is { } columns)
        {
            var actual = view.Schema.Columns.Select(c => c.Name).ToList();
            if (!actual.SequenceEqual(columns, StringComparer.Ordinal))
            {
                return Result(test, $"expected columns ({string.Join(", ", columns)}), got ({string.Join(", ", actual)})");
            }
        }

        if (test.ExpectCount is { } count && count != rows.Count)
        {
            return Result(test, $"expected {count} row(s), got {rows.Count}");
        }

        return Result(test, test.Expect is { } expect ? ExpectedRows.Mismatch(expect, view.Schema, rows) : null);
    }

    private static IEnumerable<ResourceLine> Lines(ConformanceTestCase test)
    {
        for (var i = 0; i < test.Resources.Count; i++)
        {
            var resource = test.Resources[i];
            var type = resource.TryGetProperty("resourceType", out var t) ? t.GetString() ?? "" : "";
            var id = resource.TryGetProperty("id", out var idElement) ? idElement.GetString() : null;
            yield return new ResourceLine(type, id, Encoding.UTF8.GetBytes(resource.GetRawText()), test.File, i + 1);
        }
    }

    private static ConformanceTestResult Result(ConformanceTestCase test, string? error) =>
        new(test.File, test.Name, error is null, error, test.Tags);
}
