using System.Globalization;
using System.Text;

namespace FhirBulk.Benchmarks.Infrastructure;

/// <summary>Collects markdown as the benchmarks run, echoes it to the console, and writes it to a file at the end.</summary>
internal sealed class Report
{
    private readonly StringBuilder _markdown = new();

    public void Heading(string text) => Add($"\n## {text}\n");

    public void Line(string text) => Add(text);

    public void Table(string[] headers, IEnumerable<string[]> rows)
    {
        var table = new StringBuilder();
        table.AppendLine(CultureInfo.InvariantCulture, $"| {string.Join(" | ", headers)} |");
        table.AppendLine(CultureInfo.InvariantCulture, $"|{string.Concat(headers.Select((_, i) => i == 0 ? "---|" : "---:|"))}");
        foreach (var row in rows)
        {
            table.AppendLine(CultureInfo.InvariantCulture, $"| {string.Join(" | ", row)} |");
        }

        Add(table.ToString());
    }

    public async Task WriteAsync(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        await File.WriteAllTextAsync(path, _markdown.ToString());
        Console.WriteLine($"Results written to {path}");
    }

    public static string F(double value, int decimals = 1) => value.ToString("F" + decimals, CultureInfo.InvariantCulture);

    public static string Percent(double ratio) => (ratio * 100).ToString("F0", CultureInfo.InvariantCulture) + "%";

    private void Add(string text)
    {
        _markdown.AppendLine(text);
        Console.WriteLine(text);
    }
}
