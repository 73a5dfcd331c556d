using FhirBulk.Workshop;
using Spectre.Console;

namespace FhirBulk.Cli.Rendering;

/// <summary>Prints the workshop's three answers as tables.</summary>
internal static class AnswersRenderer
{
    // A rule spans the width it is given, which is unbounded when the output is not a terminal.
    private static Spectre.Console.Rendering.IRenderable Heading(string markup) =>
        ConsoleWidth.AtMost(80, new Rule(markup).LeftJustified());

    public static void Write(IAnsiConsole console, WorkshopAnswers answers)
    {
        console.Write(Heading("[bold]1. Patients who ever received an influenza vaccine[/]"));
        console.MarkupLineInterpolated($"[bold]{answers.FluVaccinatedPatients}[/] patients");
        console.WriteLine();

        console.Write(Heading("[bold]2. Five most common conditions (first diagnosis per patient)[/]"));
        var conditions = Table("Code", "Condition", "Patients");
        foreach (var c in answers.TopConditions)
        {
            conditions.AddRow(Markup.Escape(c.Code), Markup.Escape(c.Display ?? ""), c.Patients.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        console.Write(conditions);
        console.WriteLine();

        console.Write(Heading("[bold]3. Most common medication and the encounters it was prescribed in[/]"));
        if (answers.TopMedication is not { } medication)
        {
            console.MarkupLine("[yellow]No MedicationRequests in the data.[/]");
            return;
        }

        console.MarkupLineInterpolated($"[bold]{medication.Display ?? medication.Code}[/] (RxNorm {medication.Code}): {medication.Requests} requests");
        var types = Table("Code", "Encounter type", "Encounters");
        foreach (var t in answers.EncounterTypes)
        {
            types.AddRow(Markup.Escape(t.Code), Markup.Escape(t.Display ?? ""), t.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        console.Write(types);
    }

    private static Table Table(params string[] headers)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var header in headers)
        {
            table.AddColumn(header);
        }

        table.Columns[^1].RightAligned();
        return table;
    }
}
