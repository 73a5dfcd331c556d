using FhirBulk.Cli.Rendering;
using Spectre.Console;
using Spectre.Console.Testing;

namespace FhirBulk.Cli.Tests.Rendering;

public sealed class TrimmedLinesTests
{
    [Fact]
    public void Render_GridWithAShortLastCell_NoLineEndsInABlankAndEveryCharacterElseKept()
    {
        var grid = new Grid().AddColumn().AddColumn();
        grid.AddRow("Folder", "a-rather-long-value-that-sets-the-column-width");
        grid.AddRow("[bold]Time[/]", "[yellow]1 s[/]");
        grid.AddRow("Empty", "");

        var padded = Render(grid, ansi: false);
        var trimmed = Render(new TrimmedLines(grid), ansi: false);

        Assert.Contains(padded.Split('\n'), line => line.EndsWith(' '));
        Assert.DoesNotContain(trimmed.Split('\n'), line => line.EndsWith(' '));
        Assert.Equal(padded.Split('\n').Select(line => line.TrimEnd(' ')), trimmed.Split('\n'));
    }

    [Fact]
    public void Render_ColouredCellsOnATerminal_ColoursCloseAfterTheLastCharacter()
    {
        var grid = new Grid().AddColumn().AddColumn();
        grid.AddRow("Auth", "[yellow]none[/]");
        grid.AddRow("Data", "a longer value in plain text");

        var lines = Render(new TrimmedLines(grid), ansi: true).Split('\n');

        var auth = Assert.Single(lines, line => line.Contains("Auth", StringComparison.Ordinal));
        Assert.EndsWith("none\u001b[0m", auth, StringComparison.Ordinal);
    }

    private static string Render(Spectre.Console.Rendering.IRenderable renderable, bool ansi)
    {
        var console = new TestConsole().Width(200);
        if (ansi)
        {
            console.EmitAnsiSequences = true;
        }

        console.Write(renderable);
        return console.Output.Replace("\r", "", StringComparison.Ordinal).TrimEnd('\n');
    }
}
