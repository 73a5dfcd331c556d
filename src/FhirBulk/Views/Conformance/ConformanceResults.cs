using System.Text.Json;

namespace FhirBulk.Views.Conformance;

/// <summary>The outcome of one conformance test.</summary>
/// <param name="File">The test file, e.g. <c>basic.json</c>.</param>
/// <param name="Name">The test's title.</param>
/// <param name="Passed">Whether the engine did what the test expects.</param>
/// <param name="Error">Why it failed, or <see langword="null"/> when it passed.</param>
/// <param name="Tags">The test's tags.</param>
public sealed record ConformanceTestResult(string File, string Name, bool Passed, string? Error, IReadOnlyList<string> Tags);

/// <summary>The outcome of a conformance run, writable as the official <c>test_report.json</c>.</summary>
public sealed class ConformanceReport
{
    /// <summary>Creates a report over <paramref name="results"/>, kept in the order given.</summary>
    public ConformanceReport(IReadOnlyList<ConformanceTestResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        Results = results;
    }

    /// <summary>Every test's result, file by file in run order.</summary>
    public IReadOnlyList<ConformanceTestResult> Results { get; }

    /// <summary>How many tests ran.</summary>
    public int Total => Results.Count;

    /// <summary>How many tests passed.</summary>
    public int Passed => Results.Count(r => r.Passed);

    /// <summary>How many tests failed.</summary>
    public int Failed => Total - Passed;

    /// <summary>
    /// Writes the report in the official SQL-on-FHIR format (test-report.schema.json): an object
    /// keyed by test file, each with a <c>tests</c> array of <c>{name, result: {passed, error?}}</c>.
    /// </summary>
    public async Task WriteTestReportAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        await using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        writer.WriteStartObject();
        foreach (var file in Results.GroupBy(r => r.File, StringComparer.Ordinal))
        {
            writer.WritePropertyName(file.Key);
            writer.WriteStartObject();
            writer.WritePropertyName("tests");
            writer.WriteStartArray();
            foreach (var result in file)
            {
                writer.WriteStartObject();
                writer.WriteString("name", result.Name);
                writer.WritePropertyName("result");
                writer.WriteStartObject();
                writer.WriteBoolean("passed", result.Passed);
                if (result.Error is not null)
                {
                    writer.WriteString("error", result.Error);
                }

                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        await writer.FlushAsync(cancellationToken);
    }
}
