using System.CommandLine;

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
        var json = CommonOptions.Json();
        var command = new Command("view-test", "Run SQL-on-FHIR v2 conformance test files against the view engine and report pass/fail per test.")
        {
            paths, report, json,
        };
        command.SetRunner(context, (parseResult, cancellationToken) =>
            throw new NotImplementedException());
        return command;
    }
}
