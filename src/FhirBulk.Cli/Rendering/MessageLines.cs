using Spectre.Console;

namespace FhirBulk.Cli.Rendering;

/// <summary>
/// Errors, warnings and notes: one line each, whatever the console width. Spectre splits a line
/// longer than the console into several, which breaks a URL, a path or a command a person copies,
/// and a script that reads stderr line by line; so only the short coloured label goes through
/// Spectre and the text is written as it is.
/// </summary>
internal static class MessageLines
{
    public static void Error(IAnsiConsole console, string message) => Labelled(console, "[red]error:[/]", message);

    public static void Warning(IAnsiConsole console, string message) => Labelled(console, "[yellow]warning:[/]", message);

    /// <summary>A warning line for each of the views' <see cref="FhirBulk.Views.ICompiledView.Warnings"/>, naming the view.</summary>
    public static void ViewWarnings(IAnsiConsole console, IEnumerable<FhirBulk.Views.ICompiledView> views)
    {
        foreach (var view in views)
        {
            foreach (var warning in view.Warnings)
            {
                Warning(console, $"{view.Schema.Name}: {warning}");
            }
        }
    }

    /// <summary>The views' warnings for a <c>--json</c> document: <c>[{"view", "element", "message"}]</c>, the lines <see cref="ViewWarnings"/> prints.</summary>
    public static IReadOnlyList<ViewWarningJson> ViewWarningsJson(IEnumerable<FhirBulk.Views.ICompiledView> views) =>
        [.. views.SelectMany(v => v.Warnings.Select(w => new ViewWarningJson(v.Schema.Name, w.ElementPath, w.Message)))];

    public static void Labelled(IAnsiConsole console, string labelMarkup, string message)
    {
        console.Markup(labelMarkup + " ");
        console.Profile.Out.Writer.WriteLine(OneLine(message));
    }

    /// <summary>The text with its line breaks and tabs (DuckDB's, .NET's and System.CommandLine's messages have some) folded into spaces.</summary>
    public static string OneLine(string text) =>
        string.Join(' ', text.Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}

/// <summary>
/// A warning in a <c>--json</c> document: a view's (<see cref="MessageLines.ViewWarningsJson"/>), or a run's, which names
/// no element and may name no view.
/// </summary>
internal sealed record ViewWarningJson(string? View, string? Element, string Message);
