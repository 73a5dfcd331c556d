using System.Text.Json;

namespace FhirBulk.Views.Conformance;

/// <summary>
/// One test of a SQL-on-FHIR v2 test file (the official format: <c>resources</c> shared by the
/// file, and per test a <c>view</c> with <c>expect</c>, <c>expectColumns</c>,
/// <c>expectCount</c> or <c>expectError</c>).
/// </summary>
/// <param name="File">The test file's name, e.g. <c>basic.json</c> (the key in test_report.json).</param>
/// <param name="Name">The test's <c>title</c>.</param>
/// <param name="Tags">The test's <c>tags</c> (e.g. <c>shareable</c>, <c>experimental</c>).</param>
/// <param name="View">The ViewDefinition under test.</param>
/// <param name="Resources">The file's resources, each a JSON object.</param>
/// <param name="Expect">The expected rows, or <see langword="null"/>.</param>
/// <param name="ExpectColumns">The expected column names in order, or <see langword="null"/>.</param>
/// <param name="ExpectCount">The expected number of rows, or <see langword="null"/>.</param>
/// <param name="ExpectError">Whether the view must be rejected (or fail while running).</param>
public sealed record ConformanceTestCase(
    string File,
    string Name,
    IReadOnlyList<string> Tags,
    JsonElement View,
    IReadOnlyList<JsonElement> Resources,
    JsonElement? Expect,
    IReadOnlyList<string>? ExpectColumns,
    int? ExpectCount,
    bool ExpectError)
{
    /// <summary>Reads the tests of one test file.</summary>
    /// <param name="fileName">The name to report the tests under (normally the file name).</param>
    /// <param name="json">The file's content.</param>
    /// <exception cref="InvalidInputException">The file is not in the test format; the message says where.</exception>
    public static IReadOnlyList<ConformanceTestCase> Parse(string fileName, string json)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        ArgumentNullException.ThrowIfNull(json);
        JsonElement root;
        try
        {
            // Cloned so the cases outlive the document without holding pooled buffers.
            using var document = JsonDocument.Parse(json);
            root = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new InvalidInputException($"{fileName}: not valid JSON: {ErrorText.Describe(ex)}", ex);
        }

        if (!root.TryGetProperty("tests", out var tests) || tests.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidInputException($"{fileName}: no 'tests' array");
        }

        var resources = root.TryGetProperty("resources", out var r) && r.ValueKind == JsonValueKind.Array
            ? r.EnumerateArray().ToList()
            : [];
        var cases = new List<ConformanceTestCase>();
        var index = 0;
        foreach (var test in tests.EnumerateArray())
        {
            cases.Add(ParseTest(fileName, index++, test, resources));
        }

        return cases;
    }

    private static ConformanceTestCase ParseTest(string fileName, int index, JsonElement test, List<JsonElement> resources)
    {
        var name = test.TryGetProperty("title", out var title) && title.ValueKind == JsonValueKind.String
            ? title.GetString()!
            : $"test {index}";
        if (!test.TryGetProperty("view", out var view))
        {
            throw new InvalidInputException($"{fileName}: tests[{index}] ('{name}') has no 'view'");
        }

        var tags = test.TryGetProperty("tags", out var t) && t.ValueKind == JsonValueKind.Array
            ? t.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.String).Select(x => x.GetString()!).ToList()
            : [];
        JsonElement? expect = test.TryGetProperty("expect", out var e) ? e : null;
        var expectColumns = test.TryGetProperty("expectColumns", out var c) && c.ValueKind == JsonValueKind.Array
            ? c.EnumerateArray().Select(x => x.GetString() ?? "").ToList()
            : null;
        int? expectCount = test.TryGetProperty("expectCount", out var n) && n.ValueKind == JsonValueKind.Number ? n.GetInt32() : null;
        var expectError = test.TryGetProperty("expectError", out var err) && err.ValueKind == JsonValueKind.True;
        return new ConformanceTestCase(fileName, name, tags, view, resources, expect, expectColumns, expectCount, expectError);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{File} / {Name}";
}
