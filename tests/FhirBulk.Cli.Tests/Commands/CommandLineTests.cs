using FhirBulk.Cli.Tests.Infrastructure;

namespace FhirBulk.Cli.Tests.Commands;

public sealed class CommandLineTests
{
    [Fact]
    public async Task Help_Root_ListsEveryCommand()
    {
        var result = await new CliRunner().RunAsync("--help");

        Assert.Equal(0, result.ExitCode);
        foreach (var command in new[] { "demo", "serve", "generate", "keygen", "info", "groups", "export", "view", "view-test", "query", "example", "inspect" })
        {
            Assert.Contains($"  {command} ", result.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Help_WrappedAtColumns_NoLineLongerOrEndingInABlankAndNoWordLost()
    {
        var wide = await new CliRunner().AsPipe().RunAsync("view", "--help");
        var narrow = await new CliRunner().AsPipe().WithEnvironment("COLUMNS", "60").RunAsync("view", "--help");

        Assert.Equal(0, narrow.ExitCode);
        var lines = narrow.Output.Split('\n').Select(line => line.TrimEnd('\r')).ToList();
        Assert.True(lines.Count > wide.Output.Split('\n').Length, "help was not wrapped at COLUMNS=60");
        Assert.All(lines, line => Assert.True(line.Length <= 60, $"longer than 60 columns: '{line}'"));
        Assert.DoesNotContain(lines, line => line.EndsWith(' ') || line.EndsWith('\t'));
        Assert.Equal(Words(wide.Output), Words(narrow.Output));

        // Sorted: both columns wrap, so an option's name and its description's first words take turns line by line.
        static string[] Words(string text) =>
            [.. text.Split((char[])[' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)];
    }

    [Fact]
    public void LineEndTrimmingWriter_BlanksBeforeALineEnd_LeftOutAndEveryOtherCharacterKept()
    {
        var inner = new StringWriter();
        var writer = new FhirBulk.Cli.Rendering.LineEndTrimmingWriter(inner);

        writer.Write("a  b \t");
        writer.Flush();
        writer.Write("\r\n  indented  ");
        writer.Write('c');
        writer.WriteLine(" d  ");
        writer.Write("tail  ");

        Assert.Equal("a  b\r\n  indented  c d" + writer.NewLine + "tail", inner.ToString());
    }

    [Theory]
    [InlineData("demo")]
    [InlineData("serve")]
    [InlineData("generate")]
    [InlineData("keygen")]
    [InlineData("info")]
    [InlineData("groups")]
    [InlineData("export")]
    [InlineData("view")]
    [InlineData("view-test")]
    [InlineData("query")]
    [InlineData("example")]
    [InlineData("inspect")]
    public void Help_EveryOptionOfEveryCommand_HasADescription(string name)
    {
        var root = new CliApplication(new CliContext(new Spectre.Console.Testing.TestConsole())).CreateRootCommand();
        var command = root.Subcommands.Single(c => c.Name == name);

        Assert.False(string.IsNullOrWhiteSpace(command.Description));
        Assert.All(command.Options, o => Assert.False(string.IsNullOrWhiteSpace(o.Description), $"{name} {o.Name}"));
        Assert.All(command.Arguments, a => Assert.False(string.IsNullOrWhiteSpace(a.Description), $"{name} {a.Name}"));
    }

    [Fact]
    public void Verbose_EachRootCommandHasItsOwn()
    {
        static System.CommandLine.Option Verbose() =>
            new CliApplication(new CliContext(new Spectre.Console.Testing.TestConsole())).CreateRootCommand().Options.Single(o => o.Name == "--verbose");

        Assert.NotSame(Verbose(), Verbose());
    }

    [Fact]
    public async Task Parse_UnknownOption_UsageExitCodeAndHint()
    {
        var result = await new CliRunner().RunAsync("keygen", "--out", "x", "--no-such-option");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--no-such-option", result.Error, StringComparison.Ordinal);
        Assert.Contains("fhir-bulk keygen --help", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Parse_NoCommand_UsageExitCode()
    {
        var result = await new CliRunner().RunAsync();

        Assert.Equal(2, result.ExitCode);
    }

    [Fact]
    public async Task Parse_ValueOutsideAllowedSet_UsageExitCode()
    {
        var result = await new CliRunner().RunAsync("keygen", "--alg", "HS256", "--out", "x");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("HS256", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "export", "--server", "http://127.0.0.1:9/fhir", "--level", "grp" }, "error: --level: Argument 'grp' not recognized. Must be one of:")]
    [InlineData(new[] { "view", "--view", "v.json", "--schema", "yaml" }, "error: --schema: Argument 'yaml' not recognized. Must be one of:")]
    [InlineData(new[] { "serve", "--steps", "-1" }, "error: --steps: Must be 0 or positive.")]
    [InlineData(new[] { "serve", "--port", "99999" }, "error: --port: Port must be 0..65535.")]
    public async Task Parse_ValueTheOptionRefuses_TheLineNamesTheOption(string[] arguments, string expected)
    {
        var result = await new CliRunner().RunAsync(arguments);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith(expected, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Parse_RetriesNotANumber_SaysWhatKindOfValueWithoutDotNetTypes()
    {
        var result = await new CliRunner().RunAsync("export", "--server", "http://127.0.0.1:9/fhir", "--retries", "abc");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error: --retries expects a whole number, got 'abc'.", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Parse_NoCommand_HintNamesTheToolOnce()
    {
        var result = await new CliRunner().RunAsync();

        Assert.Contains("Run 'fhir-bulk --help' for the options.", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Parse_JsonOnACommandWithoutIt_SaysSoRatherThanAnEmptyError()
    {
        var result = await new CliRunner().RunAsync("example", "--input", "x", "--type", "Patient", "--json");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("error: Unrecognized command or argument '--json'.", result.Error, StringComparison.Ordinal);
        using var document = System.Text.Json.JsonDocument.Parse(result.Output);
        Assert.Equal("Unrecognized command or argument '--json'.", document.RootElement.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Parse_UnknownCommandWithJson_JsonErrorEqualToTheStderrLine()
    {
        var result = await new CliRunner().RunAsync("bogus", "--json");

        Assert.Equal(2, result.ExitCode);
        using var document = System.Text.Json.JsonDocument.Parse(result.Output);
        var message = document.RootElement.GetProperty("error").GetProperty("message").GetString()!;
        var line = Assert.Single(result.Error.Split('\n'), l => l.StartsWith("error: ", StringComparison.Ordinal));
        Assert.Equal(line["error: ".Length..].TrimEnd('\r'), message);
        Assert.DoesNotContain('\t', message);
        Assert.Contains("bogus", message, StringComparison.Ordinal);
        Assert.DoesNotContain("Required command was not provided", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("generate", new[] { "--patients", "0", "--out", "unused" }, "error: --patients must be at least 1.")]
    [InlineData("export", new[] { "--resume", "a", "--cancel", "b" }, "error: --resume and --cancel cannot be used together.")]
    [InlineData("query", new[] { "--db", "x.duckdb", "--csv", "--json", "SELECT 1" }, "error: --csv and --json cannot be used together.")]
    public async Task UsageErrorTheCommandFinds_FollowedByTheHelpHintAsAParseErrorIs(string command, string[] arguments, string expected)
    {
        foreach (var runner in new[] { new CliRunner().AsPipe(), new CliRunner() })
        {
            var result = await runner.RunAsync([command, .. arguments]);

            Assert.True(result.ExitCode == 2, result.ToString());
            Assert.Equal([expected, $"Run 'fhir-bulk {command} --help' for the options."], result.Error.TrimEnd().ReplaceLineEndings("\n").Split('\n'));
        }
    }

    [Fact]
    public async Task UsageErrorTheCommandFinds_Json_HintInTheDocument()
    {
        var result = await new CliRunner().RunAsync("query", "--db", "x.duckdb", "--csv", "--json", "SELECT 1");

        Assert.Equal(2, result.ExitCode);
        using var document = System.Text.Json.JsonDocument.Parse(result.Output);
        Assert.Equal("Run 'fhir-bulk query --help' for the options.", document.RootElement.GetProperty("error").GetProperty("hint").GetString());
    }

    [Theory]
    [InlineData("view", new[] { "--input", "x", "--veiw", "views" }, "'--veiw' (did you mean '--view'?)")]
    [InlineData("view", new[] { "--input", "x", "--veiw=views" }, "'--veiw=views' (did you mean '--view'?)")]
    [InlineData("keygen", new[] { "--out", "x", "--verbse" }, "'--verbse' (did you mean '--verbose'?)")]
    [InlineData("info", new[] { "--Server", "http://127.0.0.1:9/fhir" }, "'--Server' (did you mean '--server'?)")]
    public async Task Parse_MistypedOption_OneLineSuggestingTheOptionMeant(string command, string[] arguments, string expected)
    {
        foreach (var runner in new[] { new CliRunner().AsPipe(), new CliRunner() })
        {
            var result = await runner.RunAsync([command, .. arguments]);

            Assert.True(result.ExitCode == 2, result.ToString());
            // Neither the typo's value left over ('views') nor "Option '--view' is required.": fixing the typo fixes them.
            Assert.Equal(
                [$"error: Unrecognized command or argument {expected}.", $"Run 'fhir-bulk {command} --help' for the options."],
                result.Error.TrimEnd().ReplaceLineEndings("\n").Split('\n'));
        }
    }

    [Theory]
    [InlineData(new[] { "veiw", "--input", "x" }, "'veiw' is not a fhir-bulk command (did you mean 'view'?).")]
    [InlineData(new[] { "sycn" }, "'sycn' is not a fhir-bulk command (did you mean 'sync'?).")]
    [InlineData(new[] { "exprot", "--server", "http://127.0.0.1:9/fhir" }, "'exprot' is not a fhir-bulk command (did you mean 'export'?).")]
    [InlineData(new[] { "View", "--input", "x" }, "'View' is not a fhir-bulk command (did you mean 'view'?).")]
    [InlineData(new[] { "--verbose", "view-tset", "tests" }, "'view-tset' is not a fhir-bulk command (did you mean 'view-test'?).")]
    [InlineData(new[] { "bogus", "--input", "x" }, "'bogus' is not a fhir-bulk command.")]
    public async Task Parse_FirstWordNoCommand_OneLineNamingTheCommandMeantIfAnyWithoutItsOptions(string[] arguments, string expected)
    {
        foreach (var runner in new[] { new CliRunner().AsPipe(), new CliRunner() })
        {
            var result = await runner.RunAsync(arguments);

            Assert.True(result.ExitCode == 2, result.ToString());
            // Neither "Required command was not provided." nor the words after it: an unknown command's options cannot be judged.
            Assert.Equal([$"error: {expected}", "Run 'fhir-bulk --help' for the options."], result.Error.TrimEnd().ReplaceLineEndings("\n").Split('\n'));
        }
    }

    [Fact]
    public async Task Parse_MistypedOptionBeforeAMistypedCommand_BothOnOneLine()
    {
        var result = await new CliRunner().AsPipe().RunAsync("--verbos", "veiw", "--input", "x");

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal(
            ["error: Unrecognized command or argument '--verbos' (did you mean '--verbose'?). 'veiw' is not a fhir-bulk command (did you mean 'view'?).",
             "Run 'fhir-bulk --help' for the options."],
            result.Error.TrimEnd().ReplaceLineEndings("\n").Split('\n'));
    }

    [Fact]
    public async Task Parse_MistypedCommandWithJson_DocumentHoldsTheLineAndTheRootHint()
    {
        var result = await new CliRunner().RunAsync("veiw", "--input", "x", "--json");

        Assert.Equal(2, result.ExitCode);
        using var document = System.Text.Json.JsonDocument.Parse(result.Output);
        var error = document.RootElement.GetProperty("error");
        Assert.Equal("'veiw' is not a fhir-bulk command (did you mean 'view'?).", error.GetProperty("message").GetString());
        Assert.Equal(2, error.GetProperty("exitCode").GetInt32());
        Assert.Equal("Run 'fhir-bulk --help' for the options.", error.GetProperty("hint").GetString());
        Assert.StartsWith("error: 'veiw' is not a fhir-bulk command (did you mean 'view'?).", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("view-test", new[] { "tests", "--engin", "firely" }, "'--engin' (did you mean '--engine'?)")]
    [InlineData("inspect", new[] { "--jsno" }, "'--jsno' (did you mean '--json'?)")]
    [InlineData("query", new[] { "--db", "x.duckdb", "--csvv", "SELECT 1" }, "'--csvv' (did you mean '--csv'?)")]
    public async Task Parse_MistypedOptionAnArgumentWouldTake_UsageErrorNotAPath(string command, string[] arguments, string expected)
    {
        var result = await new CliRunner().AsPipe().RunAsync([command, .. arguments]);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal(
            [$"error: Unrecognized command or argument {expected}.", $"Run 'fhir-bulk {command} --help' for the options."],
            result.Error.TrimEnd().ReplaceLineEndings("\n").Split('\n'));
    }

    [Theory]
    [InlineData("view-test", new[] { "--", "--engin" })]
    [InlineData("query", new[] { "--db", "no-such.duckdb", "-- a comment\nSELECT 1" })]
    public async Task Parse_OptionLikeWordAfterDoubleDashOrSqlComment_StaysAnArgument(string command, string[] arguments)
    {
        var result = await new CliRunner().AsPipe().RunAsync([command, .. arguments]);

        // The argument reaches the command, which finds no such file (exit 3), rather than a usage error.
        Assert.True(result.ExitCode == 3, result.ToString());
    }
}

