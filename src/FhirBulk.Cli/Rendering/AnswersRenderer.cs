using FhirBulk.Workshop;
using Spectre.Console;

namespace FhirBulk.Cli.Rendering;

/// <summary>Prints the workshop's three answers as tables.</summary>
internal static class AnswersRenderer
{
    // A rule spans the width it is given, which is unbounded when the output is not a terminal.
    private static Spectre.Console.Rendering.IRenderable Heading(string markup) =>
        ConsoleWidth.AtMost(80, new Rule(markup).LeftJustified());

    /// <summary>Writes the answers; each of <paramref name="unanswered"/> (its --json name, the types its input lacked) says so instead of a zero or an empty table, as --json gives it null.</summary>
    public static void Write(IAnsiConsole console, WorkshopAnswers answers, IReadOnlyList<(string Answer, string[] Types)> unanswered)
    {
        bool Unanswered(string answer)
        {
            if (unanswered.FirstOrDefault(u => u.Answer == answer) is not { Types: { } types })
            {
                return false;
            }

            console.MarkupLineInterpolated($"[yellow]Not computed: the data has no {string.Join(" or ", types)} resources.[/]");
            return true;
        }

        console.Write(Heading("[bold]1. Patients who ever received an influenza vaccine[/]"));
        if (!Unanswered("fluVaccinatedPatients"))
        {
            console.MarkupLineInterpolated($"[bold]{answers.FluVaccinatedPatients}[/] {(answers.FluVaccinatedPatients == 1 ? "patient" : "patients")}");
        }

        console.WriteLine();

        console.Write(Heading("[bold]2. Five most common conditions (first diagnosis per patient)[/]"));
        if (!Unanswered("topConditions"))
        {
            var conditions = Table("Code", "Condition", "Patients");
            foreach (var c in answers.TopConditions)
            {
                conditions.AddRow(Markup.Escape(c.Code), Markup.Escape(c.Display ?? ""), c.Patients.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            console.Write(conditions);
        }

        console.WriteLine();

        console.Write(Heading("[bold]3. Most common medication and the encounters it was prescribed in[/]"));
        if (Unanswered("topMedication") || answers.TopMedication is not { } medication)
        {
            return;
        }

        console.MarkupLineInterpolated($"[bold]{medication.Display ?? medication.Code}[/] (RxNorm {medication.Code}): {medication.Requests} requests");
        if (Unanswered("encounterTypes"))
        {
            return;
        }

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
