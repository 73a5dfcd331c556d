using FhirBulk.Workshop;

namespace FhirBulk.Cli.Rendering;

/// <summary>The bar chart PNG of the top conditions that <c>demo</c> leaves in its output folder.</summary>
internal static class ConditionsChart
{
    public const string FileName = "top-conditions.png";

    public static string Write(IReadOnlyList<ConditionCount> conditions, string directory)
    {
        var plot = new ScottPlot.Plot();
        var positions = Enumerable.Range(0, conditions.Count).Select(i => (double)i).ToArray();
        var bars = plot.Add.Bars(positions, conditions.Select(c => (double)c.Patients).ToArray());
        foreach (var bar in bars.Bars)
        {
            bar.Label = bar.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        bars.ValueLabelStyle.FontSize = 14;
        plot.Axes.Bottom.SetTicks(positions, conditions.Select(c => Wrap(c.Display ?? c.Code)).ToArray());
        plot.Axes.Margins(bottom: 0);
        plot.Title("Five most common conditions (patients, first diagnosis)");
        plot.YLabel("Patients");
        var path = Path.GetFullPath(Path.Combine(directory, FileName));
        plot.SavePng(path, 1000, 560);
        return path;
    }

    // Synthea displays are long ("Full-time employment (finding)"); two short lines fit under a bar.
    private static string Wrap(string text)
    {
        if (text.Length <= 22)
        {
            return text;
        }

        var split = text.LastIndexOf(' ', Math.Min(text.Length - 1, 24));
        return split <= 0 ? text : text[..split] + "\n" + text[(split + 1)..];
    }
}
