using System.CommandLine;
using FhirBulk.Cli.Rendering;
using FhirBulk.Views;
using FhirBulk.Views.Conformance;
using Spectre.Console;

namespace FhirBulk.Cli.Commands;

/// <summary><c>fhir-bulk view-test</c>: run test files in the official SQL-on-FHIR test format.</summary>
internal static class ViewTestCommand
{
    public static Command Create(CliContext context)
    {
        var paths = new Argument<string[]>("PATH")
        {
            Description = "Test files (.json) or folders of them, in the SQL-on-FHIR v2 test format.",
            Arity = ArgumentArity.OneOrMore,
        };
        var report = new Option<string?>("--report")
        {
            Description = "Write the official test_report.json to FILE.",
            HelpName = "FILE",
        };
        var engine = ViewCommand.EngineOption();
        var json = CommonOptions.Json();
        var command = new Command("view-test", "Run SQL-on-FHIR v2 conformance test files against the view engine and report pass/fail per test.")
        {
            paths, report, engine, json,
        };
        command.SetRunner(context, async (parseResult, cancellationToken) =>
        {
            var results = await new ViewConformanceRunner(new ViewCompilerOptions { Engine = ViewCommand.ParseEngine(parseResult.GetRequiredValue(engine)) })
                .RunAsync(parseResult.GetRequiredValue(paths), cancellationToken).ConfigureAwait(false);
            if (parseResult.GetValue(report) is { } reportPath)
            {
                await using var stream = File.Create(reportPath);
                await results.WriteTestReportAsync(stream, cancellationToken).ConfigureAwait(false);
            }

            if (parseResult.GetValue(json))
            {
                JsonOutput.Write(context.Out, new ViewTestJson(
                    results.Total,
                    results.Passed,
                    results.Failed,
                    results.Results.Where(r => !r.Passed).Select(r => new ViewTestJson.Failure(r.File, r.Name, r.Error))));
            }
            else
            {
                Write(context.Out, results, parseResult.GetValue(report));
            }

            return results.Failed == 0 ? ExitCodes.Success : ExitCodes.TestsFailed;
        });
        return command;
    }

    private static void Write(IAnsiConsole console, ConformanceReport report, string? reportPath)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumn("File").AddColumn(new TableColumn("Passed").RightAligned()).AddColumn(new TableColumn("Failed").RightAligned());
        foreach (var file in report.Results.GroupBy(r => r.File, StringComparer.Ordinal))
        {
            var failed = file.Count(r => !r.Passed);
            table.AddRow(
                new Text(file.Key),
                new Text(file.Count(r => r.Passed).ToString(System.Globalization.CultureInfo.InvariantCulture)),
                new Markup(failed == 0 ? "0" : $"[red]{failed}[/]"));
        }

        console.Write(table);
        foreach (var failure in report.Results.Where(r => !r.Passed))
        {
            console.MarkupLineInterpolated($"[red]FAIL[/] {failure.File} / {failure.Name}: {failure.Error}");
        }

        var colour = report.Failed == 0 ? "green" : "red";
        console.MarkupLine($"[{colour}]{report.Passed}/{report.Total} passed[/]");
        if (reportPath is not null)
        {
            console.MarkupLineInterpolated($"Report written to {Path.GetFullPath(reportPath)}");
        }
    }
}

/// <summary><c>view-test --json</c>.</summary>
internal sealed record ViewTestJson(int Total, int Passed, int Failed, IEnumerable<ViewTestJson.Failure> Failures)
{
    internal sealed record Failure(string File, string Name, string? Error);
}
